/** IANA mobility-parameters registries → names. Data only. */

/** "Mobility Header Types" (RFC 6275 §6.1 and the RFCs that extend it). */
export const MH_TYPES: Readonly<Record<number, string>> = {
  0: 'BRR', // Binding Refresh Request
  1: 'HoTI', // Home Test Init
  2: 'CoTI', // Care-of Test Init
  3: 'HoT', // Home Test
  4: 'CoT', // Care-of Test
  5: 'BU', // Binding Update
  6: 'BA', // Binding Acknowledgement
  7: 'BE', // Binding Error
  8: 'FBU', // Fast Binding Update, RFC 5568
  9: 'FBack', // Fast Binding Acknowledgment, RFC 5568
  10: 'FNA', // Fast Neighbor Advertisement (deprecated), RFC 5568
  11: 'EMH', // Experimental Mobility Header, RFC 5096
  12: 'HAS', // Home Agent Switch, RFC 5142
  13: 'HB', // Heartbeat, RFC 5847
  14: 'HI', // Handover Initiate, RFC 5568
  15: 'HAck', // Handover Acknowledge, RFC 5568
  16: 'BR', // Binding Revocation, RFC 5846
  17: 'LRI', // Localized Routing Initiation, RFC 6705
  18: 'LRA', // Localized Routing Acknowledgment, RFC 6705
  19: 'UPN', // Update Notification, RFC 7077
  20: 'UPA', // Update Notification Acknowledgement, RFC 7077
  21: 'FB', // Flow Binding, RFC 7109
  22: 'SQ', // Subscription Query, RFC 7161
  23: 'SR', // Subscription Response, RFC 7161
};

/** "Mobility Options". */
export const MH_OPTION_NAMES: Readonly<Record<number, string>> = {
  0: 'pad1',
  1: 'padn',
  2: 'binding_refresh_advice',
  3: 'alternate_coa',
  4: 'nonce_indices',
  5: 'binding_authorization_data',
  6: 'mobile_network_prefix', // RFC 3963
  7: 'link_layer_address', // RFC 5568
  8: 'mn_id', // RFC 4283
  9: 'auth', // RFC 4285
  10: 'mesg_id', // RFC 4285
  11: 'cga_parameters_request', // RFC 4866
  12: 'cga_parameters',
  13: 'signature',
  14: 'permanent_home_keygen_token',
  15: 'care_of_test_init',
  16: 'care_of_test',
  17: 'dns_update', // RFC 5026
  18: 'experimental', // RFC 5096
  19: 'vendor_specific', // RFC 5094
  20: 'service_selection', // RFC 5149
  21: 'badf', // Binding Authorization Data for FMIPv6, RFC 5568
  22: 'home_network_prefix', // RFC 5213
  23: 'handoff_indicator',
  24: 'access_technology_type',
  25: 'mn_link_layer_id',
  26: 'link_local_address',
  27: 'timestamp',
  28: 'restart_counter', // RFC 5847
  29: 'ipv4_home_address', // RFC 5555
  30: 'ipv4_address_ack',
  31: 'nat_detection',
  32: 'ipv4_care_of_address',
  33: 'gre_key', // RFC 5845
  34: 'mh_ipv6_address_prefix', // RFC 5568
  35: 'binding_identifier', // RFC 5648
  36: 'ipv4_home_address_request', // RFC 5844
  37: 'ipv4_home_address_reply',
  38: 'ipv4_default_router_address',
  39: 'ipv4_dhcp_support_mode',
  40: 'context_request', // RFC 5949
  41: 'lma_address',
  42: 'mn_link_local_address_iid',
  43: 'transient_binding', // RFC 6058
  44: 'flow_summary', // RFC 6089
  45: 'flow_identification',
  46: 'redirect_capability', // RFC 6463
  47: 'redirect',
  48: 'load_information',
  49: 'alternate_ipv4_coa',
  50: 'mn_group_identifier', // RFC 6602
  51: 'mag_ipv6_address', // RFC 6705
  52: 'access_network_identifier', // RFC 6757
  53: 'ipv4_traffic_offload_selector', // RFC 6909
  54: 'dynamic_ip_multicast_selector', // RFC 7028
  55: 'delegated_mobile_network_prefix', // RFC 7148
  56: 'active_multicast_subscription_ipv4', // RFC 7161
  57: 'active_multicast_subscription_ipv6',
  58: 'quality_of_service', // RFC 7222
  59: 'lma_user_plane_address', // RFC 7389
  60: 'multicast_mobility', // RFC 7411
  61: 'multicast_acknowledgement',
  62: 'lma_controlled_mag_parameters', // RFC 8127
  63: 'mag_multipath_binding', // RFC 8278
  64: 'link_identifier',
};

/** Binding Acknowledgement status (RFC 6275 §6.1.8 and updates). */
export const MH_BA_STATUS: Readonly<Record<number, string>> = {
  0: 'Binding Update accepted',
  1: 'Accepted but prefix discovery necessary',
  128: 'Reason unspecified',
  129: 'Administratively prohibited',
  130: 'Insufficient resources',
  131: 'Home registration not supported',
  132: 'Not home subnet',
  133: 'Not home agent for this mobile node',
  134: 'Duplicate Address Detection failed',
  135: 'Sequence number out of window',
  136: 'Expired home nonce index',
  137: 'Expired care-of nonce index',
  138: 'Expired nonces',
  139: 'Registration type change disallowed',
};

/** Binding Error status (RFC 6275 §6.1.9). */
export const MH_BE_STATUS: Readonly<Record<number, string>> = {
  1: 'Unknown binding for Home Address destination option',
  2: 'Unrecognized MH Type value',
};
