#!/usr/bin/env node
// From source: Node 24 runs slackline's TypeScript directly (type stripping); see src/node.ts.
// Also the entry of the production bundle, dist/node/slackline.mjs (npm run build:node), which
// runs as plain JavaScript without the type stripper's memory.
import { main } from "../src/node.ts";

main();
