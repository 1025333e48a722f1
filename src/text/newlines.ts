/** Windows (`\r\n`) and old Mac (`\r`) line ends as `\n`, the only one the renderers know. */
const CRLF = /\r\n?/g;

export const withLineFeeds = (text: string): string => (text.includes("\r") ? text.replace(CRLF, "\n") : text);
