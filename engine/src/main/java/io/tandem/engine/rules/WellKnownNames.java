package io.tandem.engine.rules;

/**
 * Protocol and service names accepted in rules, a fixed subset of /etc/protocols and /etc/services
 * so that parsing never depends on the host. Protocols are printed by name when known; ports are
 * always printed as numbers.
 */
public final class WellKnownNames {
    private static final String[] PROTOCOL_NAMES = {
        "icmp", "1", "igmp", "2", "ipencap", "4", "tcp", "6", "udp", "17", "ipv6", "41", "gre", "47",
        "esp", "50", "ah", "51", "icmp6", "58", "ipv6-icmp", "58", "ospf", "89", "pim", "103", "vrrp", "112",
        "carp", "112", "sctp", "132", "pfsync", "240",
    };

    private static final String[] SERVICE_NAMES = {
        "ftp-data", "20", "ftp", "21", "ssh", "22", "telnet", "23", "smtp", "25", "domain", "53", "bootps", "67",
        "bootpc", "68", "tftp", "69", "http", "80", "www", "80", "kerberos", "88", "pop3", "110", "ntp", "123",
        "imap", "143", "snmp", "161", "snmptrap", "162", "bgp", "179", "ldap", "389", "https", "443",
        "syslog", "514", "submission", "587", "ldaps", "636", "imaps", "993", "pop3s", "995", "openvpn", "1194",
        "mysql", "3306", "rdp", "3389", "postgresql", "5432", "http-alt", "8080",
    };

    private WellKnownNames() {
    }

    /** Protocol number for a name, or -1. */
    public static int protocolNumber(final String name) {
        return lookup(PROTOCOL_NAMES, name);
    }

    /** Canonical name for a protocol number (the first listed), or the number itself. */
    public static String protocolName(final int number) {
        final String n = Integer.toString(number);
        for (int i = 1; i < PROTOCOL_NAMES.length; i += 2) {
            if (PROTOCOL_NAMES[i].equals(n)) {
                return PROTOCOL_NAMES[i - 1];
            }
        }
        return n;
    }

    /** Port number for a service name, or -1. */
    public static int servicePort(final String name) {
        return lookup(SERVICE_NAMES, name);
    }

    private static int lookup(final String[] table, final String name) {
        for (int i = 0; i < table.length; i += 2) {
            if (table[i].equals(name)) {
                return Integer.parseInt(table[i + 1]);
            }
        }
        return -1;
    }
}
