/** IANA hip-parameters registries → names. Data only. */

/** "HIP Packet Types" (RFC 7401 §5.3, RFC 6537, RFC 6078). */
export const HIP_PACKET_TYPES: Readonly<Record<number, string>> = {
  1: 'I1',
  2: 'R1',
  3: 'I2',
  4: 'R2',
  16: 'UPDATE',
  17: 'NOTIFY',
  18: 'CLOSE',
  19: 'CLOSE_ACK',
  20: 'HDRR',
  32: 'HIP_DATA',
};

/** "Parameter Types". The lowest bit of a type is the critical bit (RFC 7401 §5.2.1). */
export const HIP_PARAMETER_TYPES: Readonly<Record<number, string>> = {
  65: 'ESP_INFO', // RFC 7402
  128: 'R1_COUNTER', // v1 (RFC 5201)
  129: 'R1_COUNTER', // RFC 7401
  193: 'LOCATOR_SET', // RFC 8046 (LOCATOR in RFC 5206)
  257: 'PUZZLE',
  321: 'SOLUTION',
  385: 'SEQ',
  449: 'ACK',
  511: 'DH_GROUP_LIST',
  513: 'DIFFIE_HELLMAN',
  577: 'HIP_TRANSFORM', // v1
  579: 'HIP_CIPHER',
  608: 'NAT_TRAVERSAL_MODE', // RFC 5770
  610: 'TRANSACTION_PACING', // RFC 5770
  641: 'ENCRYPTED',
  705: 'HOST_ID',
  715: 'HIT_SUITE_LIST',
  768: 'CERT', // RFC 8002
  832: 'NOTIFICATION',
  897: 'ECHO_REQUEST_SIGNED',
  930: 'REG_INFO', // RFC 8003
  932: 'REG_REQUEST',
  934: 'REG_RESPONSE',
  936: 'REG_FAILED',
  950: 'REG_FROM', // RFC 5770
  961: 'ECHO_RESPONSE_SIGNED',
  2049: 'TRANSPORT_FORMAT_LIST',
  4095: 'ESP_TRANSFORM', // RFC 7402
  4481: 'SEQ_DATA', // RFC 6078
  4545: 'ACK_DATA',
  4577: 'PAYLOAD_MIC',
  4580: 'TRANSACTION_ID',
  4592: 'OVERLAY_ID', // RFC 6079
  4601: 'ROUTE_DST', // RFC 6028
  4650: 'RELAYED_ADDRESS', // RFC 9028
  4660: 'MAPPED_ADDRESS',
  4680: 'PEER_PERMISSION',
  4700: 'CANDIDATE_PRIORITY',
  4710: 'NOMINATE',
  7680: 'HIP_TRANSPORT_MODE', // RFC 6261
  61505: 'HIP_MAC', // HMAC in RFC 5201
  61569: 'HIP_MAC_2',
  61633: 'HIP_SIGNATURE_2',
  61697: 'HIP_SIGNATURE',
  63425: 'ECHO_RESPONSE_UNSIGNED',
  63661: 'ECHO_REQUEST_UNSIGNED',
  63998: 'RELAY_FROM', // RFC 5770
  64002: 'RELAY_TO',
  64011: 'OVERLAY_TTL', // RFC 6079
  64017: 'ROUTE_VIA', // RFC 6028
  65498: 'FROM', // RFC 8004
  65500: 'RVS_HMAC',
  65502: 'VIA_RVS',
  65520: 'RELAY_HMAC', // RFC 5770
};

/** "Notify Message Types". */
export const HIP_NOTIFY_TYPES: Readonly<Record<number, string>> = {
  1: 'UNSUPPORTED_CRITICAL_PARAMETER_TYPE',
  7: 'INVALID_SYNTAX',
  14: 'NO_DH_PROPOSAL_CHOSEN',
  15: 'INVALID_DH_CHOSEN',
  16: 'NO_HIP_PROPOSAL_CHOSEN',
  17: 'INVALID_HIP_CIPHER_CHOSEN',
  18: 'NO_ESP_PROPOSAL_CHOSEN',
  19: 'INVALID_ESP_TRANSFORM_CHOSEN',
  20: 'UNSUPPORTED_HIT_SUITE',
  24: 'AUTHENTICATION_FAILED',
  26: 'CHECKSUM_FAILED',
  28: 'HIP_MAC_FAILED',
  32: 'ENCRYPTION_FAILED',
  40: 'INVALID_HIT',
  42: 'BLOCKED_BY_POLICY',
  44: 'RESPONDER_BUSY_PLEASE_RETRY',
  46: 'LOCATOR_TYPE_UNSUPPORTED',
  48: 'CREDENTIALS_REQUIRED',
  50: 'INVALID_CERTIFICATE',
  51: 'REG_REQUIRED',
  60: 'NO_VALID_NAT_TRAVERSAL_MODE_PARAMETER',
  61: 'CONNECTIVITY_CHECKS_FAILED',
  62: 'MESSAGE_NOT_RELAYED',
  63: 'SERVER_REFLEXIVE_CANDIDATE_ALLOCATION_FAILED',
  64: 'RVS_HMAC_PROHIBITED_WITH_RELAY',
  70: 'OVERLAY_TTL_EXCEEDED',
  90: 'UNKNOWN_NEXT_HOP',
  100: 'NO_VALID_HIP_TRANSPORT_MODE',
  16384: 'I2_ACKNOWLEDGEMENT',
  16385: 'NAT_KEEPALIVE',
};

/** "HI Algorithm" (RFC 7401 §5.2.9, RFC 9374; v1 uses the DNSSEC numbers of RFC 4034). */
export const HIP_HI_ALGORITHMS: Readonly<Record<number, string>> = {
  1: 'NULL-ENCRYPT',
  3: 'DSA',
  5: 'RSA',
  7: 'ECDSA',
  9: 'ECDSA_LOW',
  13: 'EdDSA',
};

/** "Group IDs" for DIFFIE_HELLMAN and DH_GROUP_LIST (RFC 5201 §5.2.6, RFC 7401 §5.2.7, RFC 9374). */
export const HIP_DH_GROUPS: Readonly<Record<number, string>> = {
  1: '384-bit group',
  2: 'OAKLEY well known group 1',
  3: '1536-bit MODP group',
  4: '3072-bit MODP group',
  5: '6144-bit MODP group',
  6: '8192-bit MODP group',
  7: 'NIST P-256',
  8: 'NIST P-384',
  9: 'NIST P-521',
  10: 'SECP160R1',
  11: '2048-bit MODP group',
  12: 'Curve25519',
  13: 'Curve448',
};

/** "HIP Cipher IDs" (RFC 7401 §5.2.8). */
export const HIP_CIPHERS: Readonly<Record<number, string>> = {
  1: 'NULL-ENCRYPT',
  2: 'AES-128-CBC',
  4: 'AES-256-CBC',
};

/** "HIT Suite IDs" (RFC 7401 §5.2.10, RFC 9374), in the four high bits of each octet. */
export const HIP_HIT_SUITES: Readonly<Record<number, string>> = {
  1: 'RSA,DSA/SHA-256',
  2: 'ECDSA/SHA-384',
  3: 'ECDSA_LOW/SHA-1',
  5: 'EdDSA/cSHAKE128',
};

/** "Registration Types" (RFC 8003, RFC 5770, RFC 9028). */
export const HIP_REG_TYPES: Readonly<Record<number, string>> = {
  1: 'RENDEZVOUS',
  2: 'RELAY_UDP_HIP',
  3: 'RELAY_UDP_ESP',
  4: 'CANDIDATE_DISCOVERY',
};

/** "Domain Identifier Types" in HOST_ID (RFC 7401 §5.2.9). */
export const HIP_DI_TYPES: Readonly<Record<number, string>> = { 0: 'none', 1: 'FQDN', 2: 'NAI' };
