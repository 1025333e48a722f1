/**
 * slackline's version (`--version`, the start-up line, `slackline_build_info`). The same as
 * package.json's "version" (test/cli/cli.test.ts checks): written out, because importing
 * package.json would put all of it into the Worker bundle.
 */
export const VERSION = "0.1.0";
