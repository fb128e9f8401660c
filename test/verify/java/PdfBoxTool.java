// A third-party PDF signer and editor for the verifier's tests: Apache PDFBox 2 with BouncyCastle.
//   sign IN OUT key=KEY.pem cert=CERT.pem [chain=CHAIN.pem] [alg=SHA256withECDSA] [subfilter=ETSI.CAdES.detached]
//        [visible=true] [attrs=false] [dr=true] [field=NAME]
//   fill IN OUT field=NAME value=TEXT        set a text field's value and save incrementally
//   annotate IN OUT [text=TEXT]              add a note on page 1 and save incrementally
//   metadata IN OUT [version=2.0]            write the XMP packet (new, or the existing stream updated), the
//                                            catalog's /Version and the /Info dates, and save incrementally
// alg is any BouncyCastle content-signer name: SHA256withECDSA, SHA256withPLAIN-ECDSA (BSI TR-03111),
// Ed25519, Ed448, SHA256withRSA. attrs=false makes a signature without signed attributes (ISO 32000).
import java.awt.Color;
import java.io.*;
import java.security.*;
import java.security.cert.X509Certificate;
import java.util.*;
import org.apache.pdfbox.cos.*;
import org.apache.pdfbox.pdmodel.*;
import org.apache.pdfbox.pdmodel.common.PDMetadata;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.common.PDStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.graphics.form.PDFormXObject;
import org.apache.pdfbox.pdmodel.interactive.annotation.*;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.*;
import org.apache.pdfbox.pdmodel.interactive.form.*;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.*;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

public class PdfBoxTool {
  public static void main(String[] args) throws Exception {
    Security.addProvider(new BouncyCastleProvider());
    Map<String, String> o = new HashMap<>();
    for (int i = 3; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      o.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    File in = new File(args[1]);
    File out = new File(args[2]);
    switch (args[0]) {
      case "sign": sign(in, out, o); break;
      case "fill": fill(in, out, o); break;
      case "annotate": annotate(in, out, o); break;
      case "metadata": metadata(in, out, o); break;
      default: throw new IllegalArgumentException(args[0]);
    }
  }

  static List<X509Certificate> certs(String path) throws Exception {
    List<X509Certificate> list = new ArrayList<>();
    try (PEMParser p = new PEMParser(new FileReader(path))) {
      for (Object x = p.readObject(); x != null; x = p.readObject()) {
        if (x instanceof X509CertificateHolder) list.add(new JcaX509CertificateConverter().setProvider("BC").getCertificate((X509CertificateHolder) x));
      }
    }
    return list;
  }

  static PrivateKey key(String path) throws Exception {
    try (PEMParser p = new PEMParser(new FileReader(path))) {
      Object x = p.readObject();
      JcaPEMKeyConverter conv = new JcaPEMKeyConverter().setProvider("BC");
      if (x instanceof PEMKeyPair) return conv.getKeyPair((PEMKeyPair) x).getPrivate();
      return conv.getPrivateKey((PrivateKeyInfo) x);
    }
  }

  static void sign(File in, File out, Map<String, String> o) throws Exception {
    PrivateKey key = key(o.get("key"));
    List<X509Certificate> chain = certs(o.get("cert"));
    if (o.containsKey("chain")) chain.addAll(certs(o.get("chain")));
    String alg = o.getOrDefault("alg", "SHA256withECDSA");
    boolean attrs = !"false".equals(o.get("attrs"));
    try (PDDocument doc = PDDocument.load(in); FileOutputStream fos = new FileOutputStream(out)) {
      if ("true".equals(o.get("dr"))) addDefaultResources(doc);
      PDSignature sig = new PDSignature();
      sig.setFilter(PDSignature.FILTER_ADOBE_PPKLITE);
      sig.setSubFilter(COSName.getPDFName(o.getOrDefault("subfilter", "ETSI.CAdES.detached")));
      sig.setName("PDFBox test signer");
      sig.setReason("approved");
      sig.setSignDate(Calendar.getInstance());
      SignatureOptions so = new SignatureOptions();
      so.setPreferredSignatureSize(24000);
      if ("true".equals(o.get("visible"))) {
        so.setVisualSignature(template(doc, new PDRectangle(300, 60, 160, 50), o.getOrDefault("field", "PDFBox")));
        so.setPage(0);
      }
      doc.addSignature(sig, content -> {
        try {
          CMSSignedDataGenerator gen = new CMSSignedDataGenerator();
          ContentSigner signer = new JcaContentSignerBuilder(alg).setProvider("BC").build(key);
          JcaSignerInfoGeneratorBuilder b = new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().setProvider("BC").build());
          if (!attrs) b.setDirectSignature(true);
          gen.addSignerInfoGenerator(b.build(signer, chain.get(0)));
          gen.addCertificates(new JcaCertStore(chain));
          return gen.generate(new CMSProcessableByteArray(content.readAllBytes()), false).getEncoded();
        } catch (Exception e) {
          throw new IOException(e);
        }
      }, so);
      doc.saveIncremental(fos);
      so.close();
    }
  }

  /** Helv and ZaDb in the form's default resources with a default appearance, as Acrobat and iText write them. */
  static void addDefaultResources(PDDocument doc) {
    PDAcroForm af = doc.getDocumentCatalog().getAcroForm();
    if (af == null) {
      af = new PDAcroForm(doc);
      doc.getDocumentCatalog().setAcroForm(af);
    }
    PDResources dr = af.getDefaultResources() != null ? af.getDefaultResources() : new PDResources();
    dr.put(COSName.getPDFName("Helv"), PDType1Font.HELVETICA);
    dr.put(COSName.getPDFName("ZaDb"), PDType1Font.ZAPF_DINGBATS);
    af.setDefaultResources(dr);
    if (af.getDefaultAppearance() == null || af.getDefaultAppearance().isEmpty()) af.setDefaultAppearance("/Helv 0 Tf 0 g");
    af.getCOSObject().setNeedToBeUpdated(true);
    doc.getDocumentCatalog().getCOSObject().setNeedToBeUpdated(true);
  }

  /** A one-page document holding a signature field with a drawn appearance: PDFBox merges it into the signed one. */
  static InputStream template(PDDocument src, PDRectangle rect, String name) throws IOException {
    try (PDDocument doc = new PDDocument()) {
      PDPage page = new PDPage(src.getPage(0).getMediaBox());
      doc.addPage(page);
      PDAcroForm af = new PDAcroForm(doc);
      doc.getDocumentCatalog().setAcroForm(af);
      PDSignatureField field = new PDSignatureField(af);
      field.setPartialName(name);
      PDAnnotationWidget widget = field.getWidgets().get(0);
      af.setSignaturesExist(true);
      af.setAppendOnly(true);
      af.getCOSObject().setDirect(true);
      af.getFields().add(field);
      widget.setRectangle(rect);
      PDStream stream = new PDStream(doc);
      PDFormXObject form = new PDFormXObject(stream);
      form.setResources(new PDResources());
      form.setFormType(1);
      form.setBBox(new PDRectangle(rect.getWidth(), rect.getHeight()));
      PDAppearanceDictionary ap = new PDAppearanceDictionary();
      ap.getCOSObject().setDirect(true);
      PDAppearanceStream aps = new PDAppearanceStream(form.getCOSObject());
      ap.setNormalAppearance(aps);
      widget.setAppearance(ap);
      try (PDPageContentStream cs = new PDPageContentStream(doc, aps)) {
        cs.setNonStrokingColor(new Color(200, 30, 30));
        cs.addRect(0, 0, rect.getWidth(), rect.getHeight());
        cs.fill();
        cs.beginText();
        cs.setFont(PDType1Font.HELVETICA_BOLD, 12);
        cs.setNonStrokingColor(Color.WHITE);
        cs.newLineAtOffset(8, 20);
        cs.showText("Signed with PDFBox");
        cs.endText();
      }
      page.getAnnotations().add(widget);
      ByteArrayOutputStream baos = new ByteArrayOutputStream();
      doc.save(baos);
      return new ByteArrayInputStream(baos.toByteArray());
    }
  }

  static void markPath(PDDocument doc, PDPage page) {
    doc.getDocumentCatalog().getCOSObject().setNeedToBeUpdated(true);
    for (COSDictionary d = page.getCOSObject(); d != null; d = (COSDictionary) d.getDictionaryObject(COSName.PARENT)) d.setNeedToBeUpdated(true);
  }

  static void fill(File in, File out, Map<String, String> o) throws Exception {
    try (PDDocument doc = PDDocument.load(in); FileOutputStream fos = new FileOutputStream(out)) {
      PDAcroForm af = doc.getDocumentCatalog().getAcroForm();
      PDField f = af.getField(o.get("field"));
      f.setValue(o.get("value"));
      doc.getDocumentCatalog().getCOSObject().setNeedToBeUpdated(true);
      af.getCOSObject().setNeedToBeUpdated(true);
      f.getCOSObject().setNeedToBeUpdated(true);
      for (PDAnnotationWidget w : f.getWidgets()) {
        w.getCOSObject().setNeedToBeUpdated(true);
        if (w.getAppearance() != null) w.getAppearance().getCOSObject().setNeedToBeUpdated(true);
      }
      doc.saveIncremental(fos);
    }
  }

  static void annotate(File in, File out, Map<String, String> o) throws Exception {
    try (PDDocument doc = PDDocument.load(in); FileOutputStream fos = new FileOutputStream(out)) {
      PDPage page = doc.getPage(0);
      PDAnnotationText note = new PDAnnotationText();
      note.setRectangle(new PDRectangle(400, 700, 20, 20));
      note.setContents(o.getOrDefault("text", "checked"));
      note.setPage(page);
      List<PDAnnotation> annots = page.getAnnotations();
      annots.add(note);
      page.setAnnotations(annots);
      COSBase a = page.getCOSObject().getDictionaryObject(COSName.ANNOTS);
      if (a instanceof COSArray) ((COSArray) a).setNeedToBeUpdated(true);
      markPath(doc, page);
      doc.saveIncremental(fos);
    }
  }

  static void metadata(File in, File out, Map<String, String> o) throws Exception {
    try (PDDocument doc = PDDocument.load(in); FileOutputStream fos = new FileOutputStream(out)) {
      PDDocumentCatalog cat = doc.getDocumentCatalog();
      String xmp = "<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
        + "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
        + "<rdf:Description rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">"
        + "<xmp:ModifyDate>" + java.time.Instant.now() + "</xmp:ModifyDate><pdf:Producer>PDFBox test</pdf:Producer>"
        + "</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end=\"w\"?>";
      PDMetadata md = cat.getMetadata();
      if (md == null) {
        md = new PDMetadata(doc);
        cat.setMetadata(md);
      }
      md.importXMPMetadata(xmp.getBytes("UTF-8"));
      md.getCOSObject().setNeedToBeUpdated(true);
      cat.setVersion(o.getOrDefault("version", "2.0"));
      doc.getDocumentInformation().setModificationDate(Calendar.getInstance());
      doc.getDocumentInformation().setProducer("PDFBox test");
      doc.getDocumentInformation().getCOSObject().setNeedToBeUpdated(true);
      cat.getCOSObject().setNeedToBeUpdated(true);
      doc.saveIncremental(fos);
    }
  }
}
