import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Security;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;

/**
 * BouncyCastle as an independent judge of SM2 (GB/T 32918) with SM3: its SM3withSM2 uses the standard
 * user ID 1234567812345678 by default.
 *
 *   verify SPKI.der DATA SIG.der        prints VERIFIED or FAILED
 *   sign PKCS8.der DATA OUT.der         writes a DER signature
 *   verify-cert CERT.der ISSUER.der     prints VERIFIED or FAILED (the certificate's SM3withSM2 signature)
 */
public class Sm2Judge {
  public static void main(String[] a) throws Exception {
    Security.addProvider(new BouncyCastleProvider());
    KeyFactory kf = KeyFactory.getInstance("EC", "BC");
    switch (a[0]) {
      case "verify": {
        PublicKey pub = kf.generatePublic(new X509EncodedKeySpec(Files.readAllBytes(Path.of(a[1]))));
        Signature s = Signature.getInstance("SM3withSM2", "BC");
        s.initVerify(pub);
        s.update(Files.readAllBytes(Path.of(a[2])));
        System.out.println(s.verify(Files.readAllBytes(Path.of(a[3]))) ? "VERIFIED" : "FAILED");
        break;
      }
      case "sign": {
        PrivateKey key = kf.generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(Path.of(a[1]))));
        Signature s = Signature.getInstance("SM3withSM2", "BC");
        s.initSign(key);
        s.update(Files.readAllBytes(Path.of(a[2])));
        Files.write(Path.of(a[3]), s.sign());
        System.out.println("SIGNED");
        break;
      }
      case "verify-cert": {
        X509CertificateHolder cert = new X509CertificateHolder(Files.readAllBytes(Path.of(a[1])));
        X509CertificateHolder issuer = new X509CertificateHolder(Files.readAllBytes(Path.of(a[2])));
        boolean ok = cert.isSignatureValid(new JcaContentVerifierProviderBuilder().setProvider("BC").build(issuer));
        System.out.println((ok ? "VERIFIED " : "FAILED ") + cert.getSignatureAlgorithm().getAlgorithm().getId());
        break;
      }
      default:
        throw new IllegalArgumentException(a[0]);
    }
  }
}
