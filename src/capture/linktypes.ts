/** LINKTYPE_* numbers (tcpdump.org/linktypes.html) → names, for reports and messages. */
export const LINKTYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'NULL',
  1: 'ETHERNET',
  6: 'IEEE802_5',
  8: 'SLIP',
  9: 'PPP',
  10: 'FDDI',
  12: 'RAW',
  50: 'PPP_HDLC',
  51: 'PPP_ETHER',
  101: 'RAW',
  104: 'C_HDLC',
  105: 'IEEE802_11',
  108: 'LOOP',
  113: 'LINUX_SLL',
  119: 'PRISM_HEADER',
  127: 'IEEE802_11_RADIOTAP',
  143: 'DOCSIS',
  147: 'USER0',
  160: 'USER13',
  189: 'USB_LINUX',
  192: 'PPI',
  195: 'IEEE802_15_4_WITHFCS',
  201: 'BLUETOOTH_HCI_H4_WITH_PHDR',
  220: 'USB_LINUX_MMAPPED',
  228: 'IPV4',
  229: 'IPV6',
  231: 'DBUS',
  249: 'NETLINK',
  276: 'LINUX_SLL2',
};

export function linktypeName(n: number): string {
  return LINKTYPE_NAMES[n] ?? `LINKTYPE_${n}`;
}
