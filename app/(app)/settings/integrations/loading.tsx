import { ConnectionsSkeleton } from "./connections-skeleton";

export default function Loading() {
  return <ConnectionsSkeleton />;
}
