/** slackline's version, from package.json (`--version`, the start-up line, `slackline_build_info`). */
import pkg from "../package.json" with { type: "json" };

export const VERSION: string = pkg.version;
