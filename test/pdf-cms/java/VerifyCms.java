import java.nio.file.Files;
import java.nio.file.Path;
import sun.security.pkcs.PKCS7;
import sun.security.pkcs.SignerInfo;

/**
 * A third, independent CMS implementation (the JDK's own, as used for signed JARs) judging our CMS.
 * Usage: java --add-exports java.base/sun.security.pkcs=ALL-UNNAMED VerifyCms.java CONTENT CMS...
 * Prints one line per CMS: "VERIFIED <subject> timestamp=<true|false>" or "FAILED <reason>".
 * getTimestamp() parses the signature time-stamp token and checks its signature and its imprint over the signature value.
 */
public class VerifyCms {
  public static void main(String[] args) throws Exception {
    byte[] content = Files.readAllBytes(Path.of(args[0]));
    for (int i = 1; i < args.length; i++) {
      try {
        PKCS7 p7 = new PKCS7(Files.readAllBytes(Path.of(args[i])));
        SignerInfo[] infos = p7.verify(content);
        if (infos == null || infos.length != 1) {
          System.out.println("FAILED not verified");
          continue;
        }
        SignerInfo si = infos[0];
        System.out.println("VERIFIED " + si.getCertificate(p7).getSubjectX500Principal() + " timestamp=" + (si.getTimestamp() != null));
      } catch (Exception e) {
        System.out.println("FAILED " + e);
      }
    }
  }
}
