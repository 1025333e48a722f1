#!/usr/bin/env node
// Plain JavaScript that any Node parses: the Node version is checked before slackline itself is
// loaded (an older Node would fail on its TypeScript with an obscure error instead).
// From source, Node 24 runs slackline's TypeScript directly (type stripping); see src/node/main.ts.
// Also the entry of the production bundle, dist/node/slackline.mjs (npm run build:node), which
// runs as plain JavaScript without the type stripper's memory.
import nodeCheck from "../scripts/require-node.cjs";

nodeCheck.requireNode();
import("../src/node/main.ts").then((slackline) => slackline.main());
