// The protocol the editor clients share; protocol.ts is generated (`vespera schemas`).
export * from "./protocol";
export * from "./api";
