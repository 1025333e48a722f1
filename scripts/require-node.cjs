/*
 * The Node version check, in plain JavaScript that any Node parses (no imports of slackline's
 * TypeScript, no syntax newer than ES5): bin/slackline.js runs it before loading anything else,
 * and the npm scripts run it first (`node scripts/require-node.cjs && …`).
 */
"use strict";

var NEEDED = 24;

/** One line saying what is wrong and how to fix it, or undefined when `version` is new enough. */
function nodeProblem(version) {
  var major = parseInt(String(version).replace(/^v/, ""), 10);
  if (major >= NEEDED) return undefined;
  return (
    "slackline needs Node.js " +
    NEEDED +
    " or newer, found " +
    version +
    ": install it with nvm (`nvm install`, the repository's .nvmrc says " +
    NEEDED +
    "), " +
    "npm (`npm install -g node@" +
    NEEDED +
    "`) or your distribution's nodejs package (README: Quick start)"
  );
}

/** Exits 1 with that line on stderr when this Node is too old. */
function requireNode() {
  var problem = nodeProblem(process.version);
  if (problem) {
    process.stderr.write(problem + "\n");
    process.exit(1);
  }
}

module.exports = { NEEDED: NEEDED, nodeProblem: nodeProblem, requireNode: requireNode };

if (require.main === module) requireNode();
