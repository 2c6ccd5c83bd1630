package dev.keel.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ./platform new-service} and {@code remove-service} on a copy of this repository: exactly the files it
 * should write and change, nothing on a second run, everything back as it was on removal, and nothing at all when
 * it refuses. NewServiceIT (system-tests) builds, tests and runs what it writes.
 */
class NewServiceTests {

	private static final Path REPOSITORY = Path.of(System.getProperty("keel.root", "..")).toAbsolutePath().normalize();

	@TempDir
	Path root;

	private final ByteArrayOutputStream out = new ByteArrayOutputStream();

	private final ByteArrayOutputStream err = new ByteArrayOutputStream();

	private Map<String, String> original;

	@BeforeEach
	void copyTheRepository() throws Exception {
		Process files = new ProcessBuilder("git", "ls-files", "--cached", "--others", "--exclude-standard")
			.directory(REPOSITORY.toFile())
			.redirectErrorStream(true)
			.start();
		String list = new String(files.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(files.waitFor(1, TimeUnit.MINUTES)).isTrue();
		for (String file : list.lines().toList()) {
			Path source = REPOSITORY.resolve(file);
			if (Files.isRegularFile(source)) {
				Path copy = this.root.resolve(file);
				Files.createDirectories(copy.getParent());
				Files.copy(source, copy);
			}
		}
		this.original = tree();
	}

	@Test
	void writesTheServiceAndWiresItInChangingNothingElse() throws IOException {
		assertThat(run("new-service", "inventory")).isZero();

		Map<String, String> after = tree();
		assertThat(added(this.original, after)).containsExactly("config-repo/inventory-service-prod.yml",
				"config-repo/inventory-service-staging.yml", "config-repo/inventory-service.yml",
				"deploy/k8s/base/inventory-service.yaml", "inventory-service/pom.xml",
				"inventory-service/src/main/java/dev/keel/inventory/InventoryServiceApplication.java",
				"inventory-service/src/main/java/dev/keel/inventory/items/DuplicateItem.java",
				"inventory-service/src/main/java/dev/keel/inventory/items/Item.java",
				"inventory-service/src/main/java/dev/keel/inventory/items/ItemController.java",
				"inventory-service/src/main/java/dev/keel/inventory/items/ItemNotFound.java",
				"inventory-service/src/main/java/dev/keel/inventory/items/ItemRepository.java",
				"inventory-service/src/main/java/dev/keel/inventory/items/ItemRequest.java",
				"inventory-service/src/main/java/dev/keel/inventory/items/ItemResponse.java",
				"inventory-service/src/main/java/dev/keel/inventory/items/ItemService.java",
				"inventory-service/src/main/java/dev/keel/inventory/items/ItemUpdate.java",
				"inventory-service/src/main/java/dev/keel/inventory/items/StaleVersion.java",
				"inventory-service/src/main/resources/application.yml",
				"inventory-service/src/main/resources/db/migration/V1__create_items.sql",
				"inventory-service/src/test/java/dev/keel/inventory/items/ItemApiIT.java",
				"inventory-service/src/test/resources/config/application.yml");
		assertThat(changed(this.original, after)).containsExactly(".env.example", "config-repo/auth-service.yml",
				"config-repo/gateway-service-prod.yml", "config-repo/gateway-service.yml",
				"config-server/src/main/resources/application.yml", "deploy/README.md",
				"deploy/k8s/base/config-server.yaml", "deploy/k8s/base/kustomization.yaml",
				"deploy/k8s/overlays/dev/kustomization.yaml", "deploy/k8s/overlays/dev/scale.yaml",
				"deploy/k8s/overlays/prod/kustomization.yaml", "deploy/k8s/overlays/prod/scale.yaml",
				"deploy/k8s/overlays/staging/kustomization.yaml", "deploy/k8s/overlays/staging/scale.yaml",
				"deploy/local-db/src/main/java/dev/keel/localdb/EmbeddedMariaDb.java", "deploy/mysql/init/01-databases.sh",
				"deploy/prometheus/prometheus.yml", "docker-compose.yml",
				"launcher/src/main/java/dev/keel/launcher/Services.java", "pom.xml", "system-tests/pom.xml");
		assertThat(after.get("launcher/src/main/java/dev/keel/launcher/Services.java"))
			.contains("\"order-service\", 8082,\n\t\t\t\"inventory-service\", 8084);")
			.contains("List.of(\"openid\", \"users\", \"orders\", \"inventory\");");
		assertThat(after.get("config-repo/gateway-service.yml")).contains("- Path=/api/v1/items/**")
			.contains("\"[/api/v1/items/**]\": inventory")
			.contains("url: /api/docs/inventory-service");
		assertThat(after.get("config-repo/inventory-service-prod.yml"))
			.containsPattern("password: '\\{cipher}[0-9a-f]{160}'");
		assertThat(added(this.original, after)).allSatisfy((file) -> assertThat(after.get(file)).doesNotContain("{{"));

		this.out.reset();
		assertThat(run("new-service", "inventory")).isZero();
		assertThat(output()).contains("inventory-service is in place: nothing changed");
		assertThat(tree()).isEqualTo(after);
	}

	@Test
	void removeServiceTakesOutEveryLineAndFileItWrote() throws IOException {
		assertThat(run("new-service", "stock", "--entity", "StockLevel", "sku:string:unique", "onHand:long",
				"price:decimal", "active:boolean:optional", "countedOn:date:optional", "--port", "8095")).isZero();
		Files.writeString(this.root.resolve("api/stock-service.json"), "{}\n");

		assertThat(run("remove-service", "stock")).isZero();

		assertThat(tree()).isEqualTo(this.original);
	}

	@Test
	void everyFieldTypeIsAColumnACheckedRequestFieldAndAResponseField() throws IOException {
		assertThat(run("new-service", "stock", "--entity", "StockLevel", "sku:string:unique", "onHand:long",
				"unitPrice:decimal", "active:boolean:optional", "countedOn:date:unique", "note:string:optional",
				"bin:int")).isZero();

		String feature = "stock-service/src/main/java/dev/keel/stock/stocklevels/";
		assertThat(read("stock-service/src/main/resources/db/migration/V1__create_stock_levels.sql"))
			.contains("    unit_price DECIMAL(19, 2) NOT NULL,")
			.contains("    active     BOOLEAN        NULL,")
			.contains("CONSTRAINT uk_stock_levels_counted_on UNIQUE (counted_on)");
		assertThat(read(feature + "StockLevelRequest.java"))
			.contains("@DecimalMin(\"0.00\") @Digits(integer = 17, fraction = 2) BigDecimal unitPrice")
			.contains("@Size(min = 1, max = 100) String note")
			.contains("@Schema(example = \"true\") Boolean active");
		assertThat(read(feature + "StockLevelRepository.java"))
			.contains("@Query(\"select count(s) > 0 from StockLevel s where s.countedOn = ?1\")\n"
					+ "\tboolean countedOnTaken(LocalDate countedOn);");
		assertThat(read(feature + "StockLevelController.java")).contains("@RequestMapping(\"/api/v1/stock-levels\")");
		assertThat(read(feature + "StockLevelService.java")).contains("throw new DuplicateStockLevel(\"sku or countedOn\");");
	}

	@Test
	void removingOneOfTwoNewServicesLeavesTheOtherAsItWasEvenWhereTheirNamesOverlap() throws IOException {
		assertThat(run("new-service", "repayments")).isZero();
		Map<String, String> first = tree();
		assertThat(run("new-service", "payments", "--entity", "Payment", "amount:decimal")).isZero();

		assertThat(run("remove-service", "payments")).isZero();

		assertThat(tree()).isEqualTo(first);
		assertThat(run("new-service", "payments", "--entity", "Payment", "amount:decimal")).isZero();
		assertThat(run("remove-service", "repayments")).isZero();
		// Nothing of it left, but in this very test.
		assertThat(tree()).allSatisfy((file, content) -> assertThat(content.contains("repayments")
				|| content.contains("REPAYMENTS")).isEqualTo(this.original.getOrDefault(file, "").contains("repayments")));
		this.out.reset();
		assertThat(run("new-service", "payments", "--entity", "Payment", "amount:decimal")).isZero();
		assertThat(output()).contains("payments-service is in place: nothing changed");
	}

	@Test
	void aPluralTheRuleGetsWrongIsGivenWithPlural() throws IOException {
		assertThat(run("new-service", "newsroom", "--entity", "News", "title:string", "--plural", "news")).isZero();

		assertThat(read("newsroom-service/src/main/java/dev/keel/newsroom/news/NewsController.java"))
			.contains("@RequestMapping(\"/api/v1/news\")");
		assertThat(read("newsroom-service/src/main/resources/db/migration/V1__create_news.sql"))
			.startsWith("CREATE TABLE news (");
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', quoteCharacter = '"', value = { "Inventory|a service's name is one word",
			"in-ventory|a service's name is one word", "x|a service's name is one word",
			"gateway|'gateway' is taken by the platform", "class|'class' is taken by the platform, or by Java",
			"users|'users' is already a scope, database, route or rate limit", "email|'email' is taken by the platform",
			"inventory --port 8088|port 8888 (instance 9) is config-server's",
			"inventory --port 8081|port 8081 (instance 1) is user-service's",
			"inventory --port 1000|must be between 1024 and 41735",
			"inventory --port 41736|must be between 1024 and 41735", "inventory --entity item|--entity needs a class name",
			"inventory --entity Item|needs at least one field", "inventory --entity Item id:int|cannot be named id",
			"inventory --entity Item order:int|cannot be named order",
			"inventory --entity Item price:money|unknown field type 'money'",
			"inventory --entity Item active:boolean:unique|only string, int, long and date fields can be :unique",
			"inventory --entity Item note:string:optional|at least one field of Item must be required",
			"inventory --entity Item sku:string sku:int|two fields are named sku",
			"inventory --entity User name:string|/api/v1/users is another service's",
			"inventory --entity Page name:string|would clash with a class the service uses",
			"inventory --entity Group name:string|a table named groups, which SQL reserves",
			"inventory --entity Item notify:boolean|cannot be named notify",
			"inventory --entity Item system:int|cannot be named system",
			"inventory --entity Request name:string|would clash with a class the service uses",
			"inventory --entity Int name:string|a variable or package named int, which Java reserves",
			"inventory --entity Item name:string --plural class|a variable or package named class, which Java reserves",
			"inventory --entity Item name:string --plural Items|--plural takes lower-case words",
			"inventory --entity SupplierPurchaseOrderLineItem supplierOrderLineReference:string:unique|longer than SQL allows",
			"inventory --colour red|unknown option '--colour'" })
	void aNameAPortOrAnEntityThatDoesNotFitIsRefusedWithNothingWritten(String arguments, String error)
			throws IOException {
		String[] args = ("new-service " + arguments).split(" ");

		assertThat(run(args)).isEqualTo(1);

		assertThat(errors()).startsWith("platform: ").contains(error).contains("usage: ./platform new-service NAME");
		assertThat(tree()).isEqualTo(this.original);
	}

	@Test
	void removeServiceLeavesThePlatformsOwnServicesAlone() throws IOException {
		assertThat(run("remove-service", "user-service")).isEqualTo(1);

		assertThat(errors()).contains("remove-service takes out a service new-service made, not 'user-service'");
		assertThat(tree()).isEqualTo(this.original);
	}

	@Test
	void removeServiceRefusesWorkGitDoesNotHave() throws Exception {
		assertThat(run("new-service", "inventory")).isZero();
		git("init", "-q");
		git("add", "-A");
		git("-c", "user.name=keel", "-c", "user.email=keel@example.com", "commit", "-q", "-m", "inventory");
		Path extra = this.root.resolve("inventory-service/src/main/java/dev/keel/inventory/items/Stocktake.java");
		Files.writeString(extra, "package dev.keel.inventory.items;\n\nclass Stocktake {\n}\n");
		Map<String, String> before = tree();

		assertThat(run("remove-service", "inventory")).isEqualTo(1);

		assertThat(errors()).contains("inventory-service has work git does not have (?? inventory-service/src/main/java/"
				+ "dev/keel/inventory/items/Stocktake.java)");
		assertThat(tree()).isEqualTo(before);
		Files.delete(extra);
		assertThat(run("remove-service", "inventory")).isZero();
	}

	@Test
	void aServiceThatExistsIsRefused() throws IOException {
		Files.createDirectories(this.root.resolve("inventory-service/src"));
		Map<String, String> before = tree();

		assertThat(run("new-service", "inventory")).isEqualTo(1);

		assertThat(errors()).contains("inventory-service exists");
		assertThat(tree()).isEqualTo(before);
	}

	@Test
	void aFileNotLaidOutAsKeelWroteItIsRefusedWithNothingWritten() throws IOException {
		Path pom = this.root.resolve("pom.xml");
		Files.writeString(pom, Files.readString(pom).replace("    <module>gateway-service</module>\n", ""));
		Map<String, String> before = tree();

		assertThat(run("new-service", "inventory")).isEqualTo(1);

		assertThat(errors()).contains("cannot find where to add the module in pom.xml");
		assertThat(tree()).isEqualTo(before);
	}

	private int run(String... args) {
		return Launcher.run(args, this.root, Map.of(), new Console(new PrintStream(this.out, true, StandardCharsets.UTF_8),
				new PrintStream(this.err, true, StandardCharsets.UTF_8)));
	}

	private void git(String... arguments) throws Exception {
		List<String> command = new ArrayList<>(List.of("git"));
		command.addAll(List.of(arguments));
		Process git = new ProcessBuilder(command).directory(this.root.toFile()).redirectErrorStream(true).start();
		String output = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(git.waitFor(1, TimeUnit.MINUTES)).isTrue();
		assertThat(git.exitValue()).as(output).isZero();
	}

	/** Every file under the root (but git's own) by its path, with its content. */
	private Map<String, String> tree() throws IOException {
		Map<String, String> files = new TreeMap<>();
		try (Stream<Path> all = Files.walk(this.root)) {
			for (Path file : all.filter(Files::isRegularFile).filter((file) -> !this.root.relativize(file).startsWith(".git"))
				.toList()) {
				// Latin-1: every byte is a character, so binary files compare too.
				files.put(this.root.relativize(file).toString(),
						new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
			}
		}
		return files;
	}

	private static List<String> added(Map<String, String> before, Map<String, String> after) {
		return after.keySet().stream().filter((file) -> !before.containsKey(file)).toList();
	}

	private static List<String> changed(Map<String, String> before, Map<String, String> after) {
		return after.keySet()
			.stream()
			.filter((file) -> before.containsKey(file) && !before.get(file).equals(after.get(file)))
			.toList();
	}

	private String read(String file) throws IOException {
		return Files.readString(this.root.resolve(file));
	}

	private String output() {
		return this.out.toString(StandardCharsets.UTF_8);
	}

	private String errors() {
		return this.err.toString(StandardCharsets.UTF_8);
	}

}
