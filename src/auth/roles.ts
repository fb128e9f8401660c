/** The roles (README.md, "The life of a seal"; openapi.yaml). */
export const ROLES = ['municipal-admin', 'unit-admin', 'operator', 'auditor', 'platform'] as const;
export type Role = (typeof ROLES)[number];

/** Roles that belong to the municipal office rather than to a unit. */
export const MUNICIPAL_ROLES = ['municipal-admin', 'auditor', 'platform'] as const satisfies readonly Role[];
/** Roles that belong to one unit (Art. 12: each unit's administrator manages its own users). */
export const UNIT_ROLES = ['unit-admin', 'operator'] as const satisfies readonly Role[];

export const isRole = (v: unknown): v is Role => typeof v === 'string' && (ROLES as readonly string[]).includes(v);

/** Who is calling: resolved from a bearer token on every request. */
export interface Principal {
  userId: string;
  name: string;
  role: Role;
  /** The unit a unit-admin or operator belongs to; null for the municipal roles. */
  unitId: string | null;
}
