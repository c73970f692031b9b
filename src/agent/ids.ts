/**
 * Job ids: short enough to type in a terminal, random enough never to clash
 * (60 bits), and safe in a file name or a PBS job name.
 * @module
 */

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case

export function newJobId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  let id = "j";
  for (const b of bytes) id += ALPHABET[b & 31];
  return id;
}
