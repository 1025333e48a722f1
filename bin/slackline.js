#!/usr/bin/env node
// Node 24 runs slackline's TypeScript directly (type stripping); see src/node.ts.
import { main } from "../src/node.ts";

main();
