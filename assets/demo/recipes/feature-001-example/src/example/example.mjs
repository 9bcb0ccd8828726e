// Written by Baton's scripted demo agent from its recipe for the sample contract (`baton init --agent demo`).

/** A greeting for `name`. */
export function greet(name) {
  return `Hello, ${name}!`;
}
