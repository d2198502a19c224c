/** The host's own users: two people of team 1, with integer ids as a typical product has. */
export interface User {
  id: number;
  name: string;
  email: string;
  teamId: number;
  role: "admin" | "member";
}

export const TEAMS: Record<number, string> = { 1: "Team One" };

const USERS: User[] = [
  { id: 1, name: "Ada Admin", email: "admin@minimal.test", teamId: 1, role: "admin" },
  { id: 2, name: "Max Member", email: "member@minimal.test", teamId: 1, role: "member" },
];

/** A demo password for both users: this is a test fixture, not a sign-in to copy. */
export const DEMO_PASSWORD = "minimal-host-demo";

export function findUser(id: number): User | undefined {
  return USERS.find((u) => u.id === id);
}

export function findUserByEmail(email: string): User | undefined {
  return USERS.find((u) => u.email === email.trim().toLowerCase());
}
