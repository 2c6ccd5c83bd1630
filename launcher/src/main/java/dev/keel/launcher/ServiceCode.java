package dev.keel.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import javax.crypto.Cipher;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

import dev.keel.launcher.Entity.Field;
import dev.keel.launcher.Entity.Type;

/**
 * The files of a new domain service ({@code ./platform new-service}), written the way user-service is: the module
 * (its entity package, Flyway migration, API tests) and its configuration in config-repo/ and deploy/k8s. Rendered
 * from the templates in launcher/src/main/resources/new-service, whose {@code {{name}}} placeholders are filled here:
 * the names derived from the service and the entity, and the blocks that depend on its fields. The templates are
 * files, not Java text blocks, so that they read as the code they become.
 */
final class ServiceCode {

	private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([A-Za-z_]+)}}");

	private final Path templates;

	private final NewService.Names names;

	private final Entity entity;

	private final Map<String, String> values = new LinkedHashMap<>();

	ServiceCode(Path root, NewService.Names names, Entity entity) {
		this.templates = root.resolve("launcher/src/main/resources/new-service");
		this.names = names;
		this.entity = entity;
		String words = entity.inWords();
		this.values.putAll(Map.ofEntries(Map.entry("service", names.service()), Map.entry("package", names.javaPackage()),
				Map.entry("Application", names.applicationClass()), Map.entry("port", String.valueOf(names.port())),
				Map.entry("managementPort", String.valueOf(names.managementPort())),
				Map.entry("database", names.database()), Map.entry("DATABASE", names.upperName()),
				Map.entry("scope", names.scope()), Map.entry("path", names.path()), Map.entry("tag", entity.pathSegment()),
				Map.entry("feature", entity.featurePackage()), Map.entry("table", entity.table()),
				Map.entry("Entity", entity.name()), Map.entry("variable", entity.variable()),
				Map.entry("repository", entity.pluralVariable()), Map.entry("words", words),
				Map.entry("Words", capitalize(words)), Map.entry("entities", entity.pluralInWords()),
				Map.entry("Entities", capitalize(entity.pluralInWords())), Map.entry("kebab", entity.kebab()),
				Map.entry("Article", article(words)), Map.entry("article_lower", article(words).toLowerCase(Locale.ROOT)),
				Map.entry("firstField", entity.fields().get(0).name())));
	}

	/** Every file, by its path from the repository's root. */
	Map<String, String> files() {
		String module = this.names.service() + "/";
		String main = module + "src/main/java/" + this.names.javaPackage().replace('.', '/') + "/";
		String feature = main + this.entity.featurePackage() + "/";
		String test = module + "src/test/java/" + this.names.javaPackage().replace('.', '/') + "/"
				+ this.entity.featurePackage() + "/";
		String name = this.entity.name();
		Map<String, String> files = new LinkedHashMap<>();
		files.put(module + "pom.xml", render("pom.xml", Map.of()));
		files.put(main + this.names.applicationClass() + ".java", render("Application.java", Map.of()));
		files.put(feature + name + ".java", entityClass());
		files.put(feature + name + "Repository.java", repository());
		files.put(feature + name + "Service.java", service());
		files.put(feature + name + "Controller.java", controller());
		files.put(feature + name + "Request.java", request("Request.java", false));
		files.put(feature + name + "Update.java", request("Update.java", true));
		files.put(feature + name + "Response.java", response());
		files.put(feature + name + "NotFound.java", render("NotFound.java", Map.of()));
		if (!this.entity.uniqueFields().isEmpty()) {
			files.put(feature + "Duplicate" + name + ".java", render("Duplicate.java", Map.of()));
		}
		files.put(feature + "StaleVersion.java", render("StaleVersion.java", Map.of()));
		files.put(module + "src/main/resources/application.yml", render("application.yml", Map.of()));
		files.put(module + "src/main/resources/db/migration/V1__create_" + this.entity.table() + ".sql", migration());
		files.put(module + "src/test/resources/config/application.yml", render("test-application.yml", Map.of()));
		files.put(test + name + "ApiIT.java", apiTest());
		files.put("config-repo/" + this.names.service() + ".yml", render("config.yml", Map.of()));
		for (String environment : List.of("staging", "prod")) {
			files.put("config-repo/" + this.names.service() + "-" + environment + ".yml",
					render("config-env.yml", Map.of("environment", environment, "cipher", throwAwayCipher())));
		}
		files.put("deploy/k8s/base/" + this.names.service() + ".yaml", render("kubernetes.yaml", Map.of()));
		return files;
	}

	private String entityClass() {
		List<String> columns = new ArrayList<>();
		StringBuilder assignments = new StringBuilder();
		List<String> getters = new ArrayList<>();
		for (Field field : this.entity.fields()) {
			List<String> attributes = new ArrayList<>();
			if (!field.column().equals(field.name())) {
				attributes.add("name = \"" + field.column() + "\"");
			}
			attributes.add("nullable = " + field.optional());
			switch (field.type()) {
				case STRING -> attributes.add("length = 100");
				case DECIMAL -> attributes.addAll(List.of("precision = 19", "scale = 2"));
				default -> {
				}
			}
			columns.add("\t@Column(" + String.join(", ", attributes) + ")\n\tprivate " + field.type().java + " "
					+ field.name() + ";\n");
			assignments.append("\t\tthis.").append(field.name()).append(" = ").append(field.name()).append(";\n");
			getters.add("\t" + field.type().java + " get" + field.capitalized() + "() {\n\t\treturn this." + field.name()
					+ ";\n\t}\n");
		}
		TreeSet<String> imports = new TreeSet<>(List.of("java.time.Instant", "java.time.temporal.ChronoUnit",
				"jakarta.persistence.Column", "jakarta.persistence.Entity", "jakarta.persistence.GeneratedValue",
				"jakarta.persistence.GenerationType", "jakarta.persistence.Id", "jakarta.persistence.PrePersist",
				"jakarta.persistence.PreUpdate", "jakarta.persistence.Table", "jakarta.persistence.Version"));
		imports.addAll(fieldTypeImports());
		return render("Entity.java",
				Map.of("imports", imports(imports), "columns", String.join("\n", columns), "parameters", parameters(),
						"assignments", chop(assignments), "getters", String.join("\n", getters)));
	}

	private String repository() {
		StringBuilder finders = new StringBuilder();
		String alias = this.entity.variable().substring(0, 1);
		String from = "select count(" + alias + ") > 0 from " + this.entity.name() + " " + alias + " where " + alias + ".";
		for (Field field : this.entity.uniqueFields()) {
			if (finders.isEmpty()) {
				finders.append("\n\t// Written out rather than derived from the methods' names, where a field's name could")
					.append("\n\t// read as a keyword (checkIn: In).");
			}
			String parameter = field.type().java + " " + field.name();
			finders.append("\n\t@Query(\"").append(from).append(field.name()).append(" = ?1\")\n\tboolean ")
				.append(field.name()).append("Taken(").append(parameter).append(");\n");
			finders.append("\n\t@Query(\"").append(from).append(field.name()).append(" = ?1 and ").append(alias)
				.append(".id <> ?2\")\n\tboolean ").append(field.name()).append("TakenByAnother(").append(parameter)
				.append(", long id);\n");
		}
		String imports = this.entity.uniqueFields().isEmpty() ? ""
				: "import org.springframework.data.jpa.repository.Query;\n";
		return render("Repository.java", Map.of("finders", finders.toString(), "queryImport", imports,
				"typeImports", typeImports(this.entity.uniqueFields()).isEmpty() ? ""
						: imports(typeImports(this.entity.uniqueFields())) + "\n\n"));
	}

	private String service() {
		List<Field> unique = this.entity.uniqueFields();
		String duplicate = "Duplicate" + this.entity.name();
		String repository = "this." + this.entity.pluralVariable();
		StringBuilder createChecks = new StringBuilder();
		StringBuilder updateChecks = new StringBuilder();
		for (Field field : unique) {
			String value = "request." + field.name() + "()";
			String guard = field.optional() ? value + " != null && " : "";
			createChecks.append("\t\tif (").append(guard).append(repository).append('.').append(field.name())
				.append("Taken(").append(value).append(")) {\n\t\t\tthrow new ").append(duplicate).append("(\"")
				.append(field.name()).append("\");\n\t\t}\n");
			String changed = "update." + field.name() + "()";
			String updateGuard = field.optional() ? changed + " != null && " : "";
			updateChecks.append("\t\tif (").append(updateGuard).append(repository).append('.').append(field.name())
				.append("TakenByAnother(").append(changed).append(", id)) {\n\t\t\tthrow new ")
				.append(duplicate).append("(\"").append(field.name()).append("\");\n\t\t}\n");
		}
		String variable = this.entity.variable();
		String response = this.entity.name() + "Response";
		String createSave;
		String updateConflict = "";
		TreeSet<String> imports = new TreeSet<>(List.of("org.springframework.dao.OptimisticLockingFailureException",
				"org.springframework.data.domain.Page", "org.springframework.data.domain.PageRequest",
				"org.springframework.data.domain.Sort", "org.springframework.stereotype.Service",
				"org.springframework.transaction.annotation.Transactional", "dev.keel.platform.security.Caller",
				"dev.keel.platform.security.NotPermitted", "dev.keel.platform.transaction.RetryableTransaction"));
		if (unique.isEmpty()) {
			createSave = "\t\treturn " + response + ".of(" + repository + ".save(" + variable + "));\n";
		}
		else {
			imports.add("org.springframework.dao.DataIntegrityViolationException");
			String fields = unique.stream().map(Field::name).collect(Collectors.joining(" or "));
			createSave = """
					\t\ttry {
					\t\t\t// Flush here so that a concurrent insert of the same %s surfaces as a 409, not at commit.
					\t\t\treturn %s.of(%s.saveAndFlush(%s));
					\t\t}
					\t\tcatch (DataIntegrityViolationException ex) {
					\t\t\tthrow new %s("%s");
					\t\t}
					""".formatted(fields, response, repository, variable, duplicate, fields);
			updateConflict = """
					\t\tcatch (DataIntegrityViolationException ex) {
					\t\t\tthrow new %s("%s");
					\t\t}
					""".formatted(duplicate, fields);
		}
		return render("Service.java",
				Map.of("imports", imports(imports), "createChecks", createChecks.toString(), "createSave", createSave,
						"updateChecks", updateChecks.toString(), "updateConflict", updateConflict, "requestValues",
						values("request"), "updateValues", values("update")));
	}

	private String controller() {
		List<Field> unique = this.entity.uniqueFields();
		String duplicates = unique.stream().map(Field::name).collect(Collectors.joining(" or "));
		String createConflict = unique.isEmpty() ? ""
				: "\t@ApiResponse(responseCode = \"409\", description = \"Another %s has this %s (duplicate-%s).\")\n"
					.formatted(this.entity.inWords(), duplicates, this.entity.kebab());
		String updateConflict = "Changed since that version (stale-version)" + (unique.isEmpty() ? "."
				: ", or another %s has this %s (duplicate-%s).".formatted(this.entity.inWords(), duplicates,
						this.entity.kebab()));
		return render("Controller.java",
				Map.of("createConflict", createConflict, "updateConflictDescription", updateConflict));
	}

	private String request(String template, boolean update) {
		TreeSet<String> imports = new TreeSet<>(List.of("io.swagger.v3.oas.annotations.media.Schema"));
		imports.addAll(fieldTypeImports());
		List<String> components = new ArrayList<>();
		for (Field field : this.entity.fields()) {
			List<String> checks = checks(field);
			checks.forEach((check) -> imports
				.add("jakarta.validation.constraints." + check.substring(1).replaceFirst("\\(.*$", "")));
			components.add("@Schema(example = \"" + example(field) + "\") " + String.join(" ", checks)
					+ (checks.isEmpty() ? "" : " ") + field.type().java + " " + field.name());
		}
		if (update) {
			imports.addAll(
					List.of("jakarta.validation.constraints.NotNull", "jakarta.validation.constraints.PositiveOrZero"));
		}
		return render(template, Map.of("imports", imports(imports), "components", String.join(",\n\t\t", components)));
	}

	private String response() {
		TreeSet<String> imports = new TreeSet<>(List.of("java.time.Instant"));
		imports.addAll(fieldTypeImports());
		String components = "long id, " + this.entity.fields()
			.stream()
			.map((field) -> field.type().java + " " + field.name())
			.collect(Collectors.joining(", ")) + ", long version, Instant createdAt, Instant updatedAt";
		String variable = this.entity.variable();
		String getters = variable + ".getId(), "
				+ this.entity.fields()
					.stream()
					.map((field) -> variable + ".get" + field.capitalized() + "()")
					.collect(Collectors.joining(", "))
				+ ", " + variable + ".getVersion(), " + variable + ".getCreatedAt(), " + variable + ".getUpdatedAt()";
		return render("Response.java", Map.of("imports", imports(imports), "components",
				wrap(components, 2, "record ".length() + this.entity.name().length() + "Response(".length()),
				"getterCalls", wrap(getters, 3, "\t\treturn new ".length() + 6 + this.entity.name().length()
						+ "Response(".length())));
	}

	private String migration() {
		List<String[]> columns = new ArrayList<>();
		columns.add(new String[] { "id", "BIGINT", "NOT NULL AUTO_INCREMENT" });
		for (Field field : this.entity.fields()) {
			columns.add(new String[] { field.column(), field.type().sql, field.optional() ? "NULL" : "NOT NULL" });
		}
		columns.add(new String[] { "version", "BIGINT", "NOT NULL" });
		columns.add(new String[] { "created_at", "DATETIME(6)", "NOT NULL" });
		columns.add(new String[] { "updated_at", "DATETIME(6)", "NOT NULL" });
		int nameWidth = columns.stream().mapToInt((column) -> column[0].length()).max().orElseThrow();
		int typeWidth = columns.stream().mapToInt((column) -> column[1].length()).max().orElseThrow();
		List<String> lines = new ArrayList<>();
		for (String[] column : columns) {
			lines.add("    " + pad(column[0], nameWidth) + " " + pad(column[1], typeWidth) + " " + column[2]);
		}
		lines.add("    PRIMARY KEY (id)");
		for (Field field : this.entity.uniqueFields()) {
			lines.add("    CONSTRAINT uk_" + this.entity.table() + "_" + field.column() + " UNIQUE (" + field.column()
					+ ")");
		}
		return render("migration.sql", Map.of("columns", String.join(",\n", lines)));
	}

	private String apiTest() {
		TreeSet<String> imports = new TreeSet<>(List.of("java.util.LinkedHashMap", "java.util.List", "java.util.Map",
				"java.util.UUID", "org.junit.jupiter.api.BeforeEach", "org.junit.jupiter.api.Nested",
				"org.junit.jupiter.api.Test", "org.springframework.beans.factory.annotation.Autowired",
				"org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient",
				"org.springframework.boot.test.context.SpringBootTest", "org.springframework.http.HttpHeaders",
				"org.springframework.http.HttpStatus", "org.springframework.http.MediaType",
				"org.springframework.test.web.servlet.client.RestTestClient",
				"org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping",
				"dev.keel.platform.test.ApiDescription", "dev.keel.platform.test.Problems",
				"dev.keel.platform.test.TestIssuer", "static dev.keel.platform.test.Problems.assertProblem",
				"static org.assertj.core.api.Assertions.assertThat"));
		StringBuilder valid = new StringBuilder();
		StringBuilder invalid = new StringBuilder();
		StringBuilder assertions = new StringBuilder();
		List<String> pointers = new ArrayList<>();
		for (Field field : this.entity.fields()) {
			valid.append("\t\tbody.put(\"").append(field.name()).append("\", ").append(testValue(field, imports))
				.append(");\n");
			assertions.append("\t\t\tassertThat(created.").append(field.name()).append("()).isEqualTo(body.get(\"")
				.append(field.name()).append("\"));\n");
			if (!field.optional()) {
				invalid.append("\t\tbody.put(\"").append(field.name()).append("\", ").append(invalidValue(field))
					.append(");\n");
				pointers.add("\"#/" + field.name() + "\"");
			}
		}
		String duplicateTest = "";
		String uniqueNote = "";
		if (!this.entity.uniqueFields().isEmpty()) {
			Field first = this.entity.uniqueFields().get(0);
			uniqueNote = ", with values of its own where they must be unique";
			duplicateTest = """

					\t\t@Test
					\t\tvoid aDuplicate%sIsAConflict() {
					\t\t\tMap<String, Object> body = valid();
					\t\t\tcreate(body);

					\t\t\tassertProblem(post(administrator, body), HttpStatus.CONFLICT, "duplicate-%s").jsonPath("$.field")
					\t\t\t\t.isEqualTo("%s");
					\t\t}
					""".formatted(first.capitalized(), this.entity.kebab(), first.name());
		}
		Field changed = this.entity.fields().stream().filter((field) -> !field.optional()).findFirst().orElseThrow();
		String changedValue = otherValue(changed, imports);
		return render("ApiIT.java", Map.ofEntries(Map.entry("imports", imports(imports)),
				Map.entry("validBody", valid.toString()), Map.entry("invalidBody", invalid.toString()),
				Map.entry("createdAssertions", assertions.toString()),
				Map.entry("invalidPointers", String.join(", ", pointers)), Map.entry("duplicateTest", duplicateTest),
				Map.entry("uniqueNote", uniqueNote), Map.entry("changedField", changed.name()),
				Map.entry("changedValue", changedValue)));
	}

	/** The checks on a request field, each as written before it. */
	private static List<String> checks(Field field) {
		List<String> checks = new ArrayList<>();
		switch (field.type()) {
			case STRING -> {
				if (!field.optional()) {
					checks.add("@NotBlank");
				}
				checks.add("@Size(min = 1, max = 100)");
			}
			case INT, LONG -> {
				if (!field.optional()) {
					checks.add("@NotNull");
				}
				checks.add("@Min(0)");
			}
			case DECIMAL -> {
				if (!field.optional()) {
					checks.add("@NotNull");
				}
				// DECIMAL(19, 2): more decimals would be rounded away, silently.
				checks.addAll(List.of("@DecimalMin(\"0.00\")", "@Digits(integer = 17, fraction = 2)"));
			}
			case BOOLEAN, DATE -> {
				if (!field.optional()) {
					checks.add("@NotNull");
				}
			}
		}
		return checks;
	}

	private static String example(Field field) {
		return switch (field.type()) {
			case STRING -> field.column().replace('_', '-') + "-1";
			case INT, LONG -> "1";
			case DECIMAL -> "9.99";
			case BOOLEAN -> "true";
			case DATE -> "2026-01-31";
		};
	}

	private static String testValue(Field field, TreeSet<String> imports) {
		Type type = field.type();
		imports.addAll(typeImports(List.of(field)));
		if (field.unique() && type != Type.STRING) {
			imports.add("java.util.concurrent.ThreadLocalRandom");
		}
		String random = "ThreadLocalRandom.current()";
		return switch (type) {
			case STRING -> field.unique() ? "\"" + field.column().replace('_', '-') + "-\" + UUID.randomUUID()"
					: "\"" + example(field) + "\"";
			case INT -> field.unique() ? random + ".nextInt(1, Integer.MAX_VALUE)" : "1";
			case LONG -> field.unique() ? random + ".nextLong(1, Long.MAX_VALUE)" : "1L";
			case DECIMAL -> "new BigDecimal(\"9.99\")";
			case BOOLEAN -> "true";
			// DATE holds years up to 9999: epoch days up to 2,932,896.
			case DATE -> field.unique() ? "LocalDate.ofEpochDay(" + random + ".nextLong(0, 2_000_000))"
					: "LocalDate.of(2026, 1, 31)";
		};
	}

	/** A valid value other than the one {@link #testValue} gives: a fresh one where it must be unique. */
	private static String otherValue(Field field, TreeSet<String> imports) {
		if (field.unique()) {
			return testValue(field, imports);
		}
		return switch (field.type()) {
			case STRING -> "\"" + field.column().replace('_', '-') + "-2\"";
			case INT -> "2";
			case LONG -> "2L";
			case DECIMAL -> "new BigDecimal(\"19.99\")";
			case BOOLEAN -> "false";
			case DATE -> "LocalDate.of(2026, 2, 28)";
		};
	}

	/** A value that breaks exactly one check of the field. */
	private static String invalidValue(Field field) {
		return switch (field.type()) {
			case STRING -> "\"x\".repeat(101)";
			case INT -> "-1";
			case LONG -> "-1L";
			case DECIMAL -> "new BigDecimal(\"0.001\")";
			case BOOLEAN, DATE -> "null";
		};
	}

	private TreeSet<String> fieldTypeImports() {
		return typeImports(this.entity.fields());
	}

	/** What the fields' types need imported. */
	private static TreeSet<String> typeImports(List<Field> fields) {
		return fields.stream()
			.map((field) -> field.type().javaImport)
			.filter(Objects::nonNull)
			.collect(Collectors.toCollection(TreeSet::new));
	}

	private String parameters() {
		return this.entity.fields()
			.stream()
			.map((field) -> field.type().java + " " + field.name())
			.collect(Collectors.joining(", "));
	}

	private String values(String record) {
		return this.entity.fields()
			.stream()
			.map((field) -> record + "." + field.name() + "()")
			.collect(Collectors.joining(", "));
	}

	/**
	 * Imports as keel writes them: java, then javax and third parties, then Spring, then keel, then static imports,
	 * a blank line between groups.
	 */
	static String imports(TreeSet<String> imports) {
		List<Function<String, Boolean>> groups = List.of((name) -> name.startsWith("java."),
				(name) -> !name.startsWith("static ") && !name.startsWith("org.springframework.")
						&& !name.startsWith("dev.keel."),
				(name) -> name.startsWith("org.springframework."), (name) -> name.startsWith("dev.keel."),
				(name) -> name.startsWith("static "));
		List<String> blocks = new ArrayList<>();
		List<String> left = new ArrayList<>(imports);
		for (Function<String, Boolean> group : groups) {
			List<String> members = left.stream().filter(group::apply).toList();
			left.removeAll(members);
			if (!members.isEmpty()) {
				blocks.add(members.stream().map((name) -> "import " + name + ";").collect(Collectors.joining("\n")));
			}
		}
		return String.join("\n\n", blocks);
	}

	/** A comma-separated list wrapped at 120 columns, continued with {@code tabs} tabs. */
	private static String wrap(String list, int tabs, int firstLineStart) {
		StringBuilder wrapped = new StringBuilder();
		int column = firstLineStart;
		String[] items = list.split(", ");
		for (int i = 0; i < items.length; i++) {
			String item = items[i] + ((i < items.length - 1) ? "," : "");
			if (i > 0) {
				if (column + 1 + item.length() > 120) {
					wrapped.append('\n').append("\t".repeat(tabs));
					column = tabs * 4;
				}
				else {
					wrapped.append(' ');
					column++;
				}
			}
			wrapped.append(item);
			column += item.length();
		}
		return wrapped.toString();
	}

	private String render(String template, Map<String, String> blocks) {
		String text;
		try {
			text = Files.readString(this.templates.resolve(template + ".tmpl"));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		Matcher matcher = PLACEHOLDER.matcher(text);
		StringBuilder rendered = new StringBuilder();
		while (matcher.find()) {
			String key = matcher.group(1);
			String value = blocks.containsKey(key) ? blocks.get(key) : this.values.get(key);
			if (value == null) {
				throw new IllegalStateException(template + " has an unknown placeholder " + key);
			}
			matcher.appendReplacement(rendered, Matcher.quoteReplacement(value));
		}
		matcher.appendTail(rendered);
		return rendered.toString();
	}

	/**
	 * A placeholder for an environment's database password, as config-server's encryptor writes one (Spring
	 * Security's text encryptor: AES-256-CBC under a PBKDF2 key, config-server's default salt, the IV first, in hex):
	 * a random password under a random key that is thrown away, so that nothing real is in the repository and the
	 * file reads like the others until it is replaced.
	 */
	static String throwAwayCipher() {
		try {
			SecureRandom random = new SecureRandom();
			char[] key = HexFormat.of().formatHex(randomBytes(random, 24)).toCharArray();
			byte[] salt = HexFormat.of().parseHex("deadbeef");
			SecretKeyFactory factory = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA1");
			SecretKeySpec aes = new SecretKeySpec(factory.generateSecret(new PBEKeySpec(key, salt, 1024, 256)).getEncoded(),
					"AES");
			byte[] iv = new byte[16];
			random.nextBytes(iv);
			Cipher cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");
			cipher.init(Cipher.ENCRYPT_MODE, aes, new IvParameterSpec(iv));
			byte[] password = HexFormat.of().formatHex(randomBytes(random, 24)).getBytes(StandardCharsets.US_ASCII);
			byte[] encrypted = cipher.doFinal(password);
			byte[] both = new byte[iv.length + encrypted.length];
			System.arraycopy(iv, 0, both, 0, iv.length);
			System.arraycopy(encrypted, 0, both, iv.length, encrypted.length);
			return HexFormat.of().formatHex(both);
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("AES and PBKDF2 are part of every JDK", ex);
		}
	}

	private static byte[] randomBytes(SecureRandom random, int count) {
		byte[] bytes = new byte[count];
		random.nextBytes(bytes);
		return bytes;
	}

	private static String chop(StringBuilder lines) {
		return lines.substring(0, lines.length() - 1);
	}

	private static String pad(String text, int width) {
		return text + " ".repeat(width - text.length());
	}

	private static String capitalize(String words) {
		return Character.toUpperCase(words.charAt(0)) + words.substring(1);
	}

	private static String article(String words) {
		return "aeiou".indexOf(words.charAt(0)) >= 0 ? "An" : "A";
	}

}
