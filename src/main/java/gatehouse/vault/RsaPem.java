package gatehouse.vault;

import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * Reads an RSA private key from PEM text. GitHub hands out PKCS#1 ({@code BEGIN RSA PRIVATE KEY}),
 * which the JDK cannot read, so it is wrapped into the PKCS#8 structure the JDK does read; PKCS#8
 * ({@code BEGIN PRIVATE KEY}, what {@code openssl pkcs8 -topk8 -nocrypt} gives) is read directly.
 */
final class RsaPem {
    private static final String PKCS1 = "RSA PRIVATE KEY";
    private static final String PKCS8 = "PRIVATE KEY";
    // AlgorithmIdentifier SEQUENCE { OID 1.2.840.113549.1.1.1 (rsaEncryption), NULL }
    private static final byte[] RSA_ALGORITHM = {
            0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

    private RsaPem() {
    }

    /** @throws IllegalArgumentException for anything but an unencrypted RSA key (the message never quotes the key) */
    static RSAPrivateKey privateKey(String pem) {
        if (pem == null || pem.isBlank()) {
            throw new IllegalArgumentException("the GitHub App private key is empty");
        }
        // Keys pasted into an environment variable often carry literal "\n" instead of line breaks.
        String text = pem.replace("\\n", "\n");
        String label = label(text);
        byte[] der = base64Body(text, label);
        byte[] pkcs8 = switch (label) {
            case PKCS1 -> wrapPkcs1(der);
            case PKCS8 -> der;
            default -> throw new IllegalArgumentException("the GitHub App private key is a PEM \"" + label
                    + "\"; expected RSA PRIVATE KEY (PKCS#1) or PRIVATE KEY (PKCS#8, unencrypted)");
        };
        try {
            return (RSAPrivateKey) KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new IllegalArgumentException("the GitHub App private key is not a readable RSA key");
        }
    }

    private static String label(String text) {
        int begin = text.indexOf("-----BEGIN ");
        int end = begin < 0 ? -1 : text.indexOf("-----", begin + 11);
        if (end < 0) {
            throw new IllegalArgumentException("the GitHub App private key is not PEM text (no -----BEGIN line)");
        }
        return text.substring(begin + 11, end).strip();
    }

    private static byte[] base64Body(String text, String label) {
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        int from = text.indexOf(begin) + begin.length();
        int to = text.indexOf(end, from);
        if (to < 0) {
            throw new IllegalArgumentException("the GitHub App private key has no -----END " + label + "----- line");
        }
        try {
            return Base64.getMimeDecoder().decode(text.substring(from, to).replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the GitHub App private key is not valid base64");
        }
    }

    /** PrivateKeyInfo SEQUENCE { INTEGER 0, AlgorithmIdentifier, OCTET STRING { the PKCS#1 key } }. */
    private static byte[] wrapPkcs1(byte[] pkcs1) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        content.writeBytes(new byte[] {0x02, 0x01, 0x00});
        content.writeBytes(RSA_ALGORITHM);
        content.writeBytes(tlv(0x04, pkcs1));
        return tlv(0x30, content.toByteArray());
    }

    private static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int length = value.length;
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = (32 - Integer.numberOfLeadingZeros(length) + 7) / 8;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write((length >>> (8 * i)) & 0xff);
            }
        }
        out.writeBytes(value);
        return out.toByteArray();
    }
}
