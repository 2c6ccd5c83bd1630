package dev.keel.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The local run's certificate authority: made on first use in the state directory ({@code ca/}), it issues the
 * edge's certificate for localhost, 127.0.0.1 and ::1. A client trusts the edge by trusting {@code ca/ca.pem}
 * ({@code curl --cacert "$(./platform ca)"}), and nothing else: the CA is this directory's own, its key never
 * leaves it.
 * <p>
 * The JDK's keytool does the cryptography (the launcher needs a JDK and nothing else, so no OpenSSL); this class
 * only exports the edge's key as PEM, which Nginx reads and keytool does not write.
 */
final class LocalCa {

	/** A new certificate once the edge's has less than this left. */
	private static final Duration RENEW_BEFORE = Duration.ofDays(30);

	private static final int CA_DAYS = 3650;

	/** What browsers accept for a server certificate at most. */
	private static final int EDGE_DAYS = 397;

	private final Path directory;

	LocalCa(Path state) {
		this.directory = state.resolve("ca");
	}

	/** The CA's certificate, made with its key if this state directory has none yet. */
	Path certificate() {
		Path certificate = this.directory.resolve("ca.pem");
		if (Files.exists(certificate) && Files.exists(keyStore())) {
			return certificate;
		}
		try {
			createPrivateDirectory(this.directory);
			Files.deleteIfExists(keyStore());
			String password = newPassword();
			Files.writeString(passwordFile(), password);
			restrict(passwordFile());
			keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
					"CN=keel local CA " + HexFormat.of().formatHex(new SecureRandom().generateSeed(4)), "-ext", "bc:c=ca:true",
					"-ext", "ku:c=keyCertSign,cRLSign", "-validity", String.valueOf(CA_DAYS), "-keystore",
					keyStore().toString(), "-storetype", "PKCS12", "-storepass", password);
			restrict(keyStore());
			keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", keyStore().toString(), "-storepass", password,
					"-file", certificate.toString());
			return certificate;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * The edge's certificate and key (PEM) in {@code directory}, issued anew when missing, near expiry, or issued
	 * by an earlier CA.
	 * @return the certificate; the key is {@code edge.key} beside it
	 */
	Path edgeCertificate(Path directory) {
		Path ca = certificate();
		Path certificate = directory.resolve("edge.crt");
		Path key = directory.resolve("edge.key");
		if (Files.exists(key) && valid(certificate, ca)) {
			return certificate;
		}
		try {
			createPrivateDirectory(directory);
			String password = Files.readString(passwordFile()).strip();
			Path store = directory.resolve("edge.p12");
			Path request = directory.resolve("edge.csr");
			Files.deleteIfExists(store);
			keytool("-genkeypair", "-alias", "edge", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
					"-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", password);
			keytool("-certreq", "-alias", "edge", "-keystore", store.toString(), "-storepass", password, "-file",
					request.toString());
			keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", keyStore().toString(), "-storepass", password,
					"-infile", request.toString(), "-outfile", certificate.toString(), "-validity",
					String.valueOf(EDGE_DAYS), "-ext", "san=dns:localhost,ip:127.0.0.1,ip:::1", "-ext",
					"eku=serverAuth", "-ext", "ku:c=digitalSignature", "-ext", "bc:c=ca:false");
			KeyStore keys = KeyStore.getInstance("PKCS12");
			try (InputStream in = Files.newInputStream(store)) {
				keys.load(in, password.toCharArray());
			}
			Key privateKey = keys.getKey("edge", password.toCharArray());
			Files.writeString(key, pem("PRIVATE KEY", privateKey.getEncoded()));
			restrict(key);
			Files.delete(store);
			Files.delete(request);
			return certificate;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (GeneralSecurityException ex) {
			throw new LauncherException("could not read the edge's new key: " + ex.getMessage());
		}
	}

	/** TLS that trusts this CA and nothing else: a client of the edge. */
	SSLContext trustingContext() throws IOException, GeneralSecurityException {
		KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
		trusted.load(null, null);
		trusted.setCertificateEntry("keel-local-ca", read(certificate()));
		TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
		trust.init(trusted);
		SSLContext context = SSLContext.getInstance("TLS");
		context.init(null, trust.getTrustManagers(), null);
		return context;
	}

	/** Whether the certificate is there, signed by this CA, and good for a while yet. */
	private static boolean valid(Path certificate, Path ca) {
		if (!Files.exists(certificate)) {
			return false;
		}
		try {
			X509Certificate edge = read(certificate);
			edge.verify(read(ca).getPublicKey());
			edge.checkValidity(java.util.Date.from(Instant.now().plus(RENEW_BEFORE)));
			return true;
		}
		catch (GeneralSecurityException | IOException ex) {
			return false;
		}
	}

	private static X509Certificate read(Path pem) throws IOException, CertificateException {
		try (InputStream in = Files.newInputStream(pem)) {
			return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
		}
	}

	private Path keyStore() {
		return this.directory.resolve("ca.p12");
	}

	private Path passwordFile() {
		return this.directory.resolve("ca.password");
	}

	private static String newPassword() {
		byte[] bytes = new byte[24];
		new SecureRandom().nextBytes(bytes);
		return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
	}

	static String pem(String type, byte[] der) {
		return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
			.encodeToString(der) + "\n-----END " + type + "-----\n";
	}

	private static void keytool(String... arguments) {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
		command.addAll(List.of(arguments));
		try {
			Process keytool = new ProcessBuilder(command).redirectErrorStream(true).start();
			String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
				throw new LauncherException("keytool " + arguments[0] + " failed: " + output.strip());
			}
		}
		catch (IOException ex) {
			throw new LauncherException("could not run keytool (it comes with the JDK): " + ex.getMessage());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new LauncherException("interrupted while making a certificate");
		}
	}

	private static void createPrivateDirectory(Path directory) throws IOException {
		Files.createDirectories(directory);
		if (!Processes.isWindows()) {
			Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
		}
	}

	private static void restrict(Path file) throws IOException {
		if (!Processes.isWindows()) {
			Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
		}
	}

}
