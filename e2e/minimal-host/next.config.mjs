/** @type {import('next').NextConfig} */
export default {
  // PGlite loads its WebAssembly from its own package folder at run time: keep it out of the bundle.
  serverExternalPackages: ["@electric-sql/pglite"],
};
