package dev.keel.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.nio.file.StandardCopyOption;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
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
			Files.deleteIfExists(passwordFile());
			Files.writeString(Files.createFile(passwordFile(), PRIVATE_FILE), newPassword());
			// The password from its file, never on a command line that ps shows.
			String password = passwordFile().toString();
			keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
					"CN=keel local CA " + HexFormat.of().formatHex(new SecureRandom().generateSeed(4)), "-ext", "bc:c=ca:true",
					"-ext", "ku:c=keyCertSign,cRLSign", "-validity", String.valueOf(CA_DAYS), "-keystore",
					keyStore().toString(), "-storetype", "PKCS12", "-storepass:file", password);
			restrict(keyStore());
			Path written = this.directory.resolve("ca.pem.new");
			keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", keyStore().toString(), "-storepass:file", password,
					"-file", written.toString());
			Files.move(written, certificate, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
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
		if (valid(certificate, key, ca)) {
			return certificate;
		}
		try {
			createPrivateDirectory(directory);
			String passwordFile = passwordFile().toString();
			char[] password = Files.readString(passwordFile()).strip().toCharArray();
			Path store = directory.resolve("edge.p12");
			Path request = directory.resolve("edge.csr");
			Path newCertificate = directory.resolve("edge.crt.new");
			Path newKey = directory.resolve("edge.key.new");
			for (Path leftover : List.of(store, request, newCertificate, newKey)) {
				Files.deleteIfExists(leftover);
			}
			keytool("-genkeypair", "-alias", "edge", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
					"-keystore", store.toString(), "-storetype", "PKCS12", "-storepass:file", passwordFile);
			keytool("-certreq", "-alias", "edge", "-keystore", store.toString(), "-storepass:file", passwordFile, "-file",
					request.toString());
			keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", keyStore().toString(), "-storepass:file", passwordFile,
					"-infile", request.toString(), "-outfile", newCertificate.toString(), "-validity",
					String.valueOf(EDGE_DAYS), "-ext", "san=dns:localhost,ip:127.0.0.1,ip:::1", "-ext",
					"eku=serverAuth", "-ext", "ku:c=digitalSignature", "-ext", "bc:c=ca:false");
			KeyStore keys = KeyStore.getInstance("PKCS12");
			try (InputStream in = Files.newInputStream(store)) {
				keys.load(in, password);
			}
			Key privateKey = keys.getKey("edge", password);
			Files.writeString(Files.createFile(newKey, PRIVATE_FILE), pem("PRIVATE KEY", privateKey.getEncoded()));
			Files.delete(store);
			Files.delete(request);
			// Each replaced whole; a start that finds one new and one old (a crash between the two) issues anew, as
			// valid() checks that they belong together.
			Files.move(newKey, key, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
			Files.move(newCertificate, certificate, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
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

	/**
	 * Whether the certificate and key are there and belong together (what the key signs, the certificate
	 * verifies), the certificate is signed by this CA and good for a while yet.
	 */
	private static boolean valid(Path certificate, Path key, Path ca) {
		if (!Files.exists(certificate) || !Files.exists(key)) {
			return false;
		}
		try {
			X509Certificate edge = read(certificate);
			edge.verify(read(ca).getPublicKey());
			edge.checkValidity(java.util.Date.from(Instant.now().plus(RENEW_BEFORE)));
			byte[] probe = "keel".getBytes(StandardCharsets.US_ASCII);
			Signature signer = Signature.getInstance("SHA256withECDSA");
			signer.initSign(KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getMimeDecoder()
				.decode(Files.readString(key).replaceAll("-----[A-Z ]+-----", "")))));
			signer.update(probe);
			Signature verifier = Signature.getInstance("SHA256withECDSA");
			verifier.initVerify(edge.getPublicKey());
			verifier.update(probe);
			return verifier.verify(signer.sign());
		}
		catch (GeneralSecurityException | IOException | IllegalArgumentException ex) {
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
			// Nothing on its standard input: keytool never waits for a prompt's answer.
			Process keytool = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectInput(ProcessBuilder.Redirect.from(new java.io.File(Processes.isWindows() ? "NUL" : "/dev/null")))
				.start();
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

	/** Readable and writable by its owner only, from its creation (where the file system has POSIX permissions). */
	private static final java.nio.file.attribute.FileAttribute<?>[] PRIVATE_FILE = Processes.isWindows()
			? new java.nio.file.attribute.FileAttribute<?>[0]
			: new java.nio.file.attribute.FileAttribute<?>[] {
					PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")) };

	private static void restrict(Path file) throws IOException {
		if (!Processes.isWindows()) {
			Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
		}
	}

}
