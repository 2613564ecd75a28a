// What the editor clients share besides the protocol: starting the sidecar and speaking to
// it, and showing runs and results in words and markdown. No editor API here.
export * from "./launch";
export * from "./render";
export * from "./runs";
export * from "./sidecar";
