// Refuses to run against anything but a local, throw-away database: the suite creates users.
export default function globalSetup() {
  const url = process.env.DATABASE_URL;
  if (url) {
    const host = new URL(url).hostname;
    if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(host)) {
      throw new Error(`e2e: refusing to run against a non-local database (${host})`);
    }
  }
}
