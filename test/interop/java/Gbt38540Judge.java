import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.Security;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1BitString;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.tsp.TimeStampToken;

/**
 * BouncyCastle (1.72, Debian) as an independent judge of our GB/T 38540-2020 structures and SM2 CMS.
 * It parses with its own ASN.1 code, re-encodes what is signed as DER, and verifies SM3withSM2 with
 * the standard user ID (BouncyCastle's default).
 *
 *   seseal SESEAL.der                 the seal maker's signature over DER(eSealInfo); prints VERIFIED or FAILED
 *   ses SES.der SIGNED.bin            dataHash = SM3(SIGNED.bin), the signer's signature over DER(toSign), the
 *                                     SESeal inside, the signer certificate listed in it, and the time-stamp
 *                                     token over SM3(signature) signed by its TSA; prints VERIFIED or FAILED WHY
 *   cms CMS.der SIGNED.bin            a detached SM2 CMS over SIGNED.bin; prints VERIFIED or FAILED
 */
public class Gbt38540Judge {
  static final String SM3_WITH_SM2 = "1.2.156.10197.1.501";

  static X509Certificate cert(byte[] der) throws Exception {
    return (X509Certificate) CertificateFactory.getInstance("X.509", "BC").generateCertificate(new ByteArrayInputStream(der));
  }

  static boolean sm2Verify(String alg, X509Certificate signer, byte[] data, byte[] sig) throws Exception {
    if (!SM3_WITH_SM2.equals(alg)) throw new IllegalArgumentException("not SM3withSM2: " + alg);
    Signature s = Signature.getInstance("SM3withSM2", "BC");
    s.initVerify(signer.getPublicKey());
    s.update(data);
    return s.verify(sig);
  }

  /** SESeal ::= SEQUENCE { eSealInfo, cert OCTET STRING, signAlgID OID, signedValue BIT STRING } */
  static String checkSeal(ASN1Sequence seal) throws Exception {
    ASN1Sequence info = ASN1Sequence.getInstance(seal.getObjectAt(0));
    ASN1Sequence header = ASN1Sequence.getInstance(info.getObjectAt(0));
    if (!"ES".equals(DERIA5String.getInstance(header.getObjectAt(0)).getString())) return "header ID";
    if (ASN1Integer.getInstance(header.getObjectAt(1)).intValueExact() != 4) return "version";
    X509Certificate maker = cert(ASN1OctetString.getInstance(seal.getObjectAt(1)).getOctets());
    String alg = ASN1ObjectIdentifier.getInstance(seal.getObjectAt(2)).getId();
    byte[] value = ASN1BitString.getInstance(seal.getObjectAt(3)).getOctets();
    return sm2Verify(alg, maker, info.getEncoded(ASN1Encoding.DER), value) ? null : "maker signature";
  }

  public static void main(String[] a) throws Exception {
    Security.addProvider(new BouncyCastleProvider());
    switch (a[0]) {
      case "seseal": {
        String why = checkSeal(ASN1Sequence.getInstance(Files.readAllBytes(Path.of(a[1]))));
        System.out.println(why == null ? "VERIFIED" : "FAILED " + why);
        break;
      }
      case "ses": {
        ASN1Sequence ses = ASN1Sequence.getInstance(Files.readAllBytes(Path.of(a[1])));
        byte[] signed = Files.readAllBytes(Path.of(a[2]));
        ASN1Sequence toSign = ASN1Sequence.getInstance(ses.getObjectAt(0));
        String why = null;
        if (ASN1Integer.getInstance(toSign.getObjectAt(0)).intValueExact() != 4) why = "TBS_Sign version";
        ASN1Sequence seal = ASN1Sequence.getInstance(toSign.getObjectAt(1));
        if (why == null) why = checkSeal(seal);
        byte[] dataHash = ASN1BitString.getInstance(toSign.getObjectAt(3)).getOctets();
        if (why == null && !Arrays.equals(dataHash, MessageDigest.getInstance("SM3", "BC").digest(signed))) why = "dataHash";
        byte[] signerDer = ASN1OctetString.getInstance(ses.getObjectAt(1)).getOctets();
        X509Certificate signer = cert(signerDer);
        String alg = ASN1ObjectIdentifier.getInstance(ses.getObjectAt(2)).getId();
        byte[] signature = ASN1BitString.getInstance(ses.getObjectAt(3)).getOctets();
        if (why == null && !sm2Verify(alg, signer, toSign.getEncoded(ASN1Encoding.DER), signature)) why = "signature";
        // The signer certificate is among the SESeal's holders (property.certList).
        ASN1Sequence property = ASN1Sequence.getInstance(ASN1Sequence.getInstance(seal.getObjectAt(0)).getObjectAt(2));
        boolean listed = false;
        for (ASN1Encodable c : ASN1Sequence.getInstance(property.getObjectAt(3))) listed |= Arrays.equals(ASN1OctetString.getInstance(c).getOctets(), signerDer);
        if (why == null && !listed) why = "signer not in SESeal";
        if (why == null && ses.size() > 4) {
          ASN1TaggedObject tagged = ASN1TaggedObject.getInstance(ses.getObjectAt(4));
          byte[] token = ASN1BitString.getInstance(tagged.getExplicitBaseObject()).getOctets();
          TimeStampToken tst = new TimeStampToken(new CMSSignedData(token));
          X509CertificateHolder tsa = (X509CertificateHolder) tst.getCertificates().getMatches(tst.getSID()).iterator().next();
          tst.validate(new JcaSimpleSignerInfoVerifierBuilder().setProvider("BC").build(tsa));
          byte[] imprint = MessageDigest.getInstance("SM3", "BC").digest(signature);
          if (!Arrays.equals(tst.getTimeStampInfo().getMessageImprintDigest(), imprint)) why = "time-stamp imprint";
        }
        System.out.println(why == null ? "VERIFIED" : "FAILED " + why);
        break;
      }
      case "cms": {
        CMSSignedData cms = new CMSSignedData(new CMSProcessableByteArray(Files.readAllBytes(Path.of(a[2]))), Files.readAllBytes(Path.of(a[1])));
        boolean ok = true;
        for (SignerInformation si : cms.getSignerInfos().getSigners()) {
          X509CertificateHolder c = (X509CertificateHolder) cms.getCertificates().getMatches(si.getSID()).iterator().next();
          try {
            ok &= si.verify(new JcaSimpleSignerInfoVerifierBuilder().setProvider("BC").build(c));
          } catch (org.bouncycastle.cms.CMSSignerDigestMismatchException e) {
            ok = false; // the message-digest attribute does not match the content
          }
          ok &= SM3_WITH_SM2.equals(si.getEncryptionAlgOID()) || "1.2.156.10197.1.301.1".equals(si.getEncryptionAlgOID());
        }
        System.out.println(ok ? "VERIFIED" : "FAILED");
        break;
      }
      default:
        throw new IllegalArgumentException(a[0]);
    }
  }
}
