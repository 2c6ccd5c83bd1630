package dev.keel.launcher;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class LocalCaTests {

	@TempDir
	Path state;

	@Test
	void theEdgesCertificateIsForLocalNamesFromTheLocalCaWithItsKeyReadableAndPrivate() throws Exception {
		LocalCa ca = new LocalCa(this.state);
		Path tls = this.state.resolve("edge/tls");

		Path certificate = ca.edgeCertificate(tls);

		X509Certificate authority = read(ca.certificate());
		X509Certificate edge = read(certificate);
		edge.verify(authority.getPublicKey());
		assertThat(authority.getBasicConstraints()).as("a CA").isGreaterThanOrEqualTo(0);
		assertThat(edge.getBasicConstraints()).as("not a CA").isEqualTo(-1);
		assertThat(edge.getSubjectAlternativeNames()).extracting((name) -> String.valueOf(name.get(1)))
			.contains("localhost", "127.0.0.1");
		// The key Nginx reads (PKCS#8 PEM) is the certificate's: what it signs, the certificate's key verifies.
		String pem = Files.readString(tls.resolve("edge.key"));
		assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----\n");
		PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getMimeDecoder()
			.decode(pem.replaceAll("-----[A-Z ]+-----", ""))));
		Signature signer = Signature.getInstance("SHA256withECDSA");
		signer.initSign(key);
		signer.update(new byte[] { 1, 2, 3 });
		byte[] signature = signer.sign();
		Signature verifier = Signature.getInstance("SHA256withECDSA");
		verifier.initVerify(edge.getPublicKey());
		verifier.update(new byte[] { 1, 2, 3 });
		assertThat(verifier.verify(signature)).isTrue();
		assertThat(Files.getPosixFilePermissions(tls.resolve("edge.key"))).extracting(Object::toString)
			.containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
		assertThat(Files.getPosixFilePermissions(this.state.resolve("ca/ca.p12"))).extracting(Object::toString)
			.containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
		assertThat(tls.resolve("edge.p12")).doesNotExist();

		// Kept while it is valid; a certificate of another CA is replaced.
		assertThat(ca.edgeCertificate(tls)).isEqualTo(certificate);
		assertThat(read(certificate).getSerialNumber()).isEqualTo(edge.getSerialNumber());
		Path otherState = this.state.resolve("other");
		Files.copy(new LocalCa(otherState).edgeCertificate(otherState.resolve("tls")), certificate,
				java.nio.file.StandardCopyOption.REPLACE_EXISTING);
		ca.edgeCertificate(tls);
		read(certificate).verify(authority.getPublicKey());

		// A key that is not the certificate's (a crash between replacing the two): issued anew.
		X509Certificate before = read(certificate);
		Files.copy(otherState.resolve("tls/edge.key"), tls.resolve("edge.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
		ca.edgeCertificate(tls);
		assertThat(read(certificate).getSerialNumber()).isNotEqualTo(before.getSerialNumber());
		assertThat(Files.readString(tls.resolve("edge.key"))).isNotEqualTo(Files.readString(otherState.resolve("tls/edge.key")));
	}

	private static X509Certificate read(Path pem) throws Exception {
		try (InputStream in = Files.newInputStream(pem)) {
			return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
		}
	}

}
