import type { Metadata, Viewport } from "next";
import "./globals.css";
import "@zendesk-connect/next/styles.css";

// The CSP nonce (proxy.ts) is new on every request, so no page may be prerendered.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: { default: "Zendesk Connect", template: "%s · Zendesk Connect" },
  description: "Connect your Zendesk Support account and keep the connection healthy.",
  // Files in public/: the SVG for current browsers, favicon.ico for the rest, a 180 px PNG for iOS home screens.
  icons: {
    icon: [
      { url: "/icon.svg", type: "image/svg+xml" },
      { url: "/favicon.ico", sizes: "32x32" },
    ],
    apple: [{ url: "/apple-touch-icon.png", sizes: "180x180", type: "image/png" }],
  },
};

export const viewport: Viewport = {
  colorScheme: "light dark",
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#fafafa" },
    { media: "(prefers-color-scheme: dark)", color: "#09090b" },
  ],
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen font-sans">{children}</body>
    </html>
  );
}
