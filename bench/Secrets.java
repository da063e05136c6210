// Makes the secret strings bench/run seeds into the database by SQL, with Gatehouse's own TokenCodec
// (from target/gatehouse.jar), so that they pass the server's checks exactly as issued ones do.
// Run by bench/run with the JDK's source launcher:
//
//   java -cp target/gatehouse.jar bench/Secrets.java codes <count> <token prefix>
//       <count> authorization codes, one a line: <code> TAB <hex of its SHA-256, as stored>
//   java -cp target/gatehouse.jar bench/Secrets.java challenge <code_verifier>
//       the PKCE S256 code_challenge of the verifier (base64url of its SHA-256, no padding)

import gatehouse.secrets.TokenCodec;
import gatehouse.secrets.TokenKind;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

public class Secrets {
    public static void main(String[] args) throws IOException {
        if (args.length >= 3 && args[0].equals("codes")) {
            codes(Integer.parseInt(args[1]), args[2]);
        } else if (args.length == 2 && args[0].equals("challenge")) {
            System.out.println(Base64.getUrlEncoder().withoutPadding().encodeToString(TokenCodec.hash(args[1])));
        } else {
            System.err.println("usage: Secrets codes <count> <prefix> | Secrets challenge <verifier>");
            System.exit(2);
        }
    }

    private static void codes(int count, String prefix) throws IOException {
        var codec = new TokenCodec(prefix, new SecureRandom());
        var hex = HexFormat.of();
        var out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.US_ASCII), 1 << 16);
        for (int i = 0; i < count; i++) {
            String code = codec.generate(TokenKind.AUTHORIZATION_CODE);
            out.write(code);
            out.write('\t');
            out.write(hex.formatHex(TokenCodec.hash(code)));
            out.write('\n');
        }
        out.flush();
    }
}
