/** Vite bundles imported CSS into a hashed asset; the import itself has no value. */
declare module "*.css";
