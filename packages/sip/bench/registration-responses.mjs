// The two registration responses both sip benchmarks parse (a REGISTER 401 with a digest challenge, a REGISTER 200
// with the echoed Contact), as datagram bytes.
const crlf = (s) => s.replace(/\n/g, "\r\n");

export const RESPONSE_401 = Buffer.from(
  crlf(`SIP/2.0 401 Unauthorized
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKed39.76ec0a07.0;rport=5060;received=192.0.2.10
From: <sip:alice@reg.example.com>;tag=693ac
To: <sip:alice@reg.example.com>;tag=as1d07559a
Call-ID: bcd6f14aeef6c374aa74b69d163
CSeq: 1 REGISTER
WWW-Authenticate: Digest realm="reg.example.com", nonce="5f4d3c2b1a09f8e7d6c5b4a39281706f", opaque="0a1b2c3d4e5f", qop="auth", algorithm=MD5
Server: ExampleRegistrar/2.1
Content-Length: 0

`),
);

export const RESPONSE_200 = Buffer.from(
  crlf(`SIP/2.0 200 OK
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKbd39.046c4f5.0;rport=5060;received=192.0.2.10
From: <sip:alice@reg.example.com>;tag=693ac
To: <sip:alice@reg.example.com>;tag=as1d07559a
Call-ID: bcd6f14aeef6c374aa74b69d163
CSeq: 2 REGISTER
Contact: <sip:alice@192.0.2.10:5060>;expires=120;reg-id=1;+sip.instance="<urn:uuid:00000000-0000-1000-8000-00000000000f>"
Date: Thu, 26 Nov 2026 07:30:00 GMT
Server: ExampleRegistrar/2.1
Content-Length: 0

`),
);
