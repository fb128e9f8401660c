import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DIGEST_NAMES, KEY_ALGORITHMS, KEY_ALGORITHM_INFO } from '../algorithms/table.js';
import { fromRoot } from '../paths.js';
import { KEY_PURPOSE_OIDS, KEY_USAGE_BITS, NAME_ATTRIBUTE_OIDS } from '../asn1/oids.js';

/**
 * Certificate profiles are data (ca/profiles.json), checked here once at start so a typo in a
 * profile stops the service instead of producing odd certificates.
 */
const nameAttributeType = z.enum(Object.keys(NAME_ATTRIBUTE_OIDS) as [keyof typeof NAME_ATTRIBUTE_OIDS, ...(keyof typeof NAME_ATTRIBUTE_OIDS)[]]);
/** A name as an ordered list of single-valued RDNs; values may hold {unitName}, {unitCode}, {sealName}. */
const nameTemplate = z.array(z.tuple([nameAttributeType, z.string().min(1)])).min(1);
const oidString = z.string().regex(/^[0-2](\.(0|[1-9]\d*))+$/);

const profileSchema = z
  .object({
    subject: nameTemplate,
    keyAlgorithm: z.enum(KEY_ALGORITHMS as [string, ...string[]]),
    /** The hash this profile's key uses when it signs. */
    signingHash: z.enum(DIGEST_NAMES as [string, ...string[]]),
    validityDays: z.number().int().positive().max(36600),
    basicConstraints: z.object({ ca: z.literal(true), pathLen: z.number().int().min(0).max(8) }).nullable(),
    keyUsage: z.array(z.enum(Object.keys(KEY_USAGE_BITS) as [keyof typeof KEY_USAGE_BITS])).min(1),
    extendedKeyUsage: z
      .object({ critical: z.boolean(), purposes: z.array(z.enum(Object.keys(KEY_PURPOSE_OIDS) as [keyof typeof KEY_PURPOSE_OIDS])).min(1) })
      .nullable(),
    ocspNoCheck: z.boolean().optional(),
    policies: z.array(z.string()),
    aia: z.boolean(),
    crlDistributionPoint: z.boolean(),
    nameConstraints: z.object({ permitted: nameTemplate }).optional(),
    sealImageBinding: z.boolean().optional(),
    /** Service certificates (OCSP responder, TSA): the CA that issues them; the issuing CA when absent. */
    issuer: z.enum(['root', 'issuing']).optional(),
  })
  .strict();

const caPolicySchema = z
  .object({
    $comment: z.string().optional(),
    arc: oidString,
    policies: z.record(z.string(), oidString),
    extensions: z.object({ sealImageBinding: oidString }),
    crl: z.object({
      validityHours: z.number().positive(),
      rebuildAfterHours: z.number().positive(),
      /** The root's CRL is signed at ceremonies (offline root), so it lives longer. */
      rootValidityDays: z.number().positive(),
    }),
    ocsp: z.object({ validityMinutes: z.number().positive(), cacheSeconds: z.number().int().positive() }),
    tsa: z.object({ accuracySeconds: z.number().int().positive(), hash: z.enum(DIGEST_NAMES as [string, ...string[]]) }),
    profiles: z.object({
      root: profileSchema,
      'issuing-ca': profileSchema,
      'department-ca': profileSchema,
      'ocsp-responder': profileSchema,
      tsa: profileSchema,
      'audit-signer': profileSchema,
      seal: profileSchema,
      'department-seal': profileSchema,
      // The SM2 hierarchy (GB/T 32918 keys, SM3withSM2), beside the ECDSA one: src/ca/hierarchies.ts.
      'sm2-root': profileSchema,
      'sm2-issuing-ca': profileSchema,
      'sm2-department-ca': profileSchema,
      'sm2-ocsp-responder': profileSchema,
      'sm2-tsa': profileSchema,
      /** The municipal office as seal maker (GB/T 38540 制章人): signs every SESeal. */
      'seal-maker': profileSchema,
      'sm2-seal': profileSchema,
      'sm2-department-seal': profileSchema,
    }),
  })
  .strict()
  .superRefine((p, ctx) => {
    for (const [name, prof] of Object.entries(p.profiles)) {
      for (const pol of prof.policies) {
        if (!(pol in p.policies)) ctx.addIssue({ code: 'custom', message: `profile ${name}: unknown policy ${pol}` });
      }
      const info = KEY_ALGORITHM_INFO[prof.keyAlgorithm as keyof typeof KEY_ALGORITHM_INFO];
      if (info && !info.digests.includes(prof.signingHash as (typeof DIGEST_NAMES)[number])) {
        ctx.addIssue({ code: 'custom', message: `profile ${name}: a ${prof.keyAlgorithm} key does not sign with ${prof.signingHash}` });
      }
      const isCa = prof.basicConstraints !== null;
      if (isCa !== prof.keyUsage.includes('keyCertSign')) {
        ctx.addIssue({ code: 'custom', message: `profile ${name}: keyCertSign exactly when basicConstraints makes it a CA` });
      }
    }
    for (const [name, oid] of [...Object.entries(p.policies), ['sealImageBinding', p.extensions.sealImageBinding] as const]) {
      if (!oid.startsWith(p.arc + '.')) ctx.addIssue({ code: 'custom', message: `${name}: ${oid} is not under our arc ${p.arc}` });
    }
  });

export type CertificateProfile = z.infer<typeof profileSchema> & {
  keyAlgorithm: (typeof KEY_ALGORITHMS)[number];
  signingHash: (typeof DIGEST_NAMES)[number];
};
export type ProfileName = keyof z.infer<typeof caPolicySchema>['profiles'];
export type CaPolicy = Omit<z.infer<typeof caPolicySchema>, 'profiles' | 'tsa'> & {
  profiles: Record<ProfileName, CertificateProfile>;
  tsa: { accuracySeconds: number; hash: (typeof DIGEST_NAMES)[number] };
};

export function parseCaPolicy(json: unknown): CaPolicy {
  const res = caPolicySchema.safeParse(json);
  if (!res.success) {
    throw new Error('ca/profiles.json is invalid: ' + res.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
  return res.data as CaPolicy;
}

let cached: CaPolicy | undefined;
/** The shipped policy (ca/profiles.json), read and validated once. */
export function loadCaPolicy(path = fromRoot('ca', 'profiles.json')): CaPolicy {
  if (path === fromRoot('ca', 'profiles.json') && cached) return cached;
  const policy = parseCaPolicy(JSON.parse(readFileSync(path, 'utf8')));
  if (path === fromRoot('ca', 'profiles.json')) cached = policy;
  return policy;
}
