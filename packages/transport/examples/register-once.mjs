// Sends one REGISTER over UDP to a registrar and prints the response.
// Start a registrar first, e.g. SIPp with the test scenario:
//   sipp -sf packages/transport/test-fixtures/uas-register-options.xml -i 127.0.0.1 -p 5070 -m 1
// then (after `pnpm --filter @uacreg/transport build`):
//   node packages/transport/examples/register-once.mjs sip:127.0.0.1:5070
import { SipTransport } from "@uacreg/transport";

const registrar = process.argv[2] ?? "sip:127.0.0.1:5070";
const transport = await SipTransport.open({ listen: ["udp:127.0.0.1:0"] });
const local = transport.sockets()[0];
const callId = "0123456789abcdef0123456789a";
const outcome = await transport.send({
  method: "REGISTER",
  requestUri: registrar,
  headers:
    "To: <sip:alice@reg.test>\r\n" +
    "From: <sip:alice@reg.test>;tag=a1b2c\r\n" +
    "CSeq: 1 REGISTER\r\n" +
    `Call-ID: ${callId}\r\n` +
    "Max-Forwards: 70\r\n" +
    "Content-Length: 0\r\n" +
    `Contact: <sip:alice@${local.slice(4)}>;expires=60\r\n`,
  callId,
  cseq: 1,
  nextHop: registrar,
});
if (outcome.kind === "response") {
  console.log(
    `${outcome.response.status} ${outcome.response.reason} from ${outcome.remote.address}:${outcome.remote.port}`,
  );
  console.log(`Contact: ${outcome.response.getHeader("Contact")}`);
  console.log(`Via received=${outcome.received ?? "(none)"} rport=${outcome.rport ?? "(none)"}`);
} else {
  console.log(outcome.kind, outcome.kind === "transport-error" ? outcome.error.message : "");
}
await transport.close();
