/** What both bare servers answer on GET /hello. */
export const HELLO = { message: 'hello' } as const;
