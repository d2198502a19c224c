/** Shared by the sign-up form (in the browser) and its schema; no zod here, so none ships. */
export const MIN_PASSWORD_LENGTH = 10;
