import type { EndpointName, Fault, FaultSpec } from "./control-schema.js";

/**
 * Injected faults, consumed in the order they were added: the first fault matching a
 * request's endpoint, instance and grant type applies, and counts down by one.
 */
export class FaultQueue {
  #faults: Fault[] = [];
  #nextId = 1;

  add(spec: FaultSpec): Fault {
    const fault: Fault = { ...spec, id: this.#nextId++, remaining: spec.times };
    this.#faults.push(fault);
    return { ...fault };
  }

  take(endpoint: EndpointName, subdomain: string, grantType: string | null): Fault | undefined {
    const index = this.#faults.findIndex(
      (fault) =>
        fault.endpoint === endpoint &&
        (fault.subdomain === undefined || fault.subdomain === subdomain) &&
        (fault.grant_type === undefined || fault.grant_type === grantType),
    );
    const fault = this.#faults[index];
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults.splice(index, 1);
    return { ...fault };
  }

  list(): Fault[] {
    return this.#faults.map((fault) => ({ ...fault }));
  }

  clear(): void {
    this.#faults = [];
  }
}
