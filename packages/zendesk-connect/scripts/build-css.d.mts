export declare const sourcePath: string;
export declare const outputPath: string;
/** Compiles src/ui/styles.css; returns the CSS and, unless `write: false`, writes dist/styles.css. */
export declare function buildStylesheet(options?: { write?: boolean; minify?: boolean }): Promise<string>;
