export const other = import.meta;
