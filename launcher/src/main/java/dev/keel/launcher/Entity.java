package dev.keel.launcher;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The entity a new service starts with ({@code ./platform new-service}): its name, the names derived from it (table,
 * path, package), and its fields, each a column, a validated request field and a response field.
 *
 * @param name the class name, {@code StockLevel}
 * @param plural the plural in words, {@code stock levels}
 * @param fields in the order given
 */
record Entity(String name, String plural, List<Field> fields) {

	/** The sample: an inventory item with a unique SKU. */
	static final List<String> SAMPLE = List.of("Item", "sku:string:unique", "name:string", "quantity:int");

	private static final Pattern NAME = Pattern.compile("[A-Z][A-Za-z0-9]{0,29}");

	private static final Pattern FIELD = Pattern.compile("([a-z][A-Za-z0-9]{0,29}):([a-z]+)((?::[a-z]+)*)");

	/** Simple names the generated classes import or declare: an entity of that name would not compile. */
	private static final Set<String> TAKEN_CLASS_NAMES = Set.of("Column", "Entity", "GeneratedValue", "GenerationType",
			"Id", "PrePersist", "PreUpdate", "Table", "Version", "Instant", "ChronoUnit", "BigDecimal", "LocalDate",
			"Page", "PageRequest", "Sort", "Service", "Transactional", "Caller", "NotPermitted", "PageResponse",
			"StaleVersion", "Schema", "Operation", "ApiResponse", "Tag", "URI", "Map", "List", "Object", "String",
			"Integer", "Long", "Boolean", "Override", "Record", "Description", "Create", "Update", "Read", "Delete",
			"Access", "Test", "Nested", "UUID", "LinkedHashMap", "ThreadLocalRandom", "HttpHeaders", "HttpStatus",
			"MediaType", "RestTestClient", "TestIssuer", "Problems", "ApiDescription", "Autowired", "SpringBootTest",
			"AutoConfigureRestTestClient", "RequestMappingHandlerMapping", "BeforeEach", "ResponseEntity", "Valid", "Min",
			"Max", "PositiveOrZero", "NotNull", "NotBlank", "Size", "DecimalMin", "Digits", "Repository", "JpaRepository",
			"ApiProblem", "RetryableTransaction", "DataIntegrityViolationException",
			"OptimisticLockingFailureException", "SpringApplication", "SpringBootApplication",
			"ConfigurationPropertiesScan", "RestController", "RequestMapping", "GetMapping", "PostMapping", "PutMapping",
			"DeleteMapping", "PathVariable", "RequestBody", "RequestParam", "Math", "System", "Thread", "Class",
			"Number", "Void", "Character", "Byte", "Short", "Float", "Double",
			// The variable of one of these would be a parameter's or a local's name where it is declared.
			"Request", "Ex", "Verb");

	/** Java's keywords and literals, and its contextual keywords: no package, variable or field is named so. */
	static final Set<String> JAVA_KEYWORDS = Set.of("abstract", "assert", "boolean", "break", "byte", "case", "catch",
			"char", "class", "const", "continue", "default", "do", "double", "else", "enum", "extends", "final", "finally",
			"float", "for", "goto", "if", "implements", "import", "instanceof", "int", "interface", "long", "native",
			"new", "package", "private", "protected", "public", "return", "short", "static", "strictfp", "super",
			"switch", "synchronized", "this", "throw", "throws", "transient", "try", "void", "volatile", "while",
			"record", "var", "yield", "true", "false", "null", "sealed", "permits");

	/** What every record (and so every field) has, and the entity's own fields: a field named so would not compile. */
	private static final Set<String> MEMBER_NAMES = Set.of("notify", "notifyAll", "wait", "hashCode", "toString",
			"getClass", "clone", "finalize", "equals", "id", "version", "createdAt", "updatedAt");

	/**
	 * The words MySQL 8.4 or MariaDB reserve: keel's migrations and Hibernate do not quote names, so a column or table
	 * named so would not be created, or would break a query, on one of them.
	 */
	private static final Set<String> SQL_WORDS = Set.of(("accessible add all alter analyze and as asc asensitive before "
			+ "between bigint binary blob both by call cascade case change char character check collate column condition "
			+ "constraint continue convert create cross cube cume_dist current_date current_role current_time "
			+ "current_timestamp current_user cursor database databases day_hour day_microsecond day_minute day_second "
			+ "dec decimal declare default delayed delete delete_domain_id dense_rank desc describe deterministic distinct "
			+ "distinctrow div do_domain_ids double drop dual each else elseif empty enclosed escaped except exists exit "
			+ "explain false fetch first_value float float4 float8 for force foreign from fulltext function general "
			+ "generated get grant group grouping groups having high_priority hour_microsecond hour_minute hour_second if "
			+ "ignore ignore_domain_ids ignore_server_ids in index infile inner inout insensitive insert int int1 int2 "
			+ "int3 int4 int8 integer intersect interval into io_after_gtids io_before_gtids is iterate join json_table key "
			+ "keys kill lag last_value lateral lead leading leave left like limit linear lines load localtime "
			+ "localtimestamp lock long longblob longtext loop low_priority manual master_bind master_heartbeat_period "
			+ "master_ssl_verify_server_cert match maxvalue mediumblob mediumint mediumtext middleint minute_microsecond "
			+ "minute_second mod modifies natural not no_write_to_binlog nth_value ntile null numeric of offset on "
			+ "optimize optimizer_costs option optionally or order out outer outfile over page_checksum parallel "
			+ "parse_vcol_expr partition percent_rank position precision primary procedure purge qualify range rank "
			+ "read read_write reads real recursive ref_system_id references regexp release rename repeat replace require "
			+ "resignal restrict return returning revoke right rlike row row_number rownum rows schema schemas "
			+ "second_microsecond select sensitive separator set show signal slow smallint spatial specific sql "
			+ "sql_big_result sql_calc_found_rows sql_small_result sqlexception sqlstate sqlwarning ssl starting "
			+ "stats_auto_recalc stats_persistent stats_sample_pages stored straight_join system table tablesample "
			+ "terminated then tinyblob tinyint tinytext to trailing trigger true undo union unique unlock unsigned update "
			+ "usage use using utc_date utc_time utc_timestamp values varbinary varchar varcharacter varying virtual when "
			+ "where while window with write xor year_month zerofill").split(" "));

	/** MySQL's longest name for a table, a column or a constraint. */
	private static final int MAX_SQL_NAME = 64;

	/**
	 * {@code Item sku:string:unique name:string quantity:int}: a name, then each field as {@code name:type}, with
	 * {@code :unique} or {@code :optional} after it.
	 * @throws UsageException naming what is wrong, before anything is written
	 */
	static Entity parse(List<String> words) {
		if (words.isEmpty() || !NAME.matcher(words.get(0)).matches()) {
			throw new UsageException("--entity needs a class name first (a capital, then letters or digits, up to 30), "
					+ "not '" + (words.isEmpty() ? "" : words.get(0)) + "'");
		}
		String name = words.get(0);
		if (TAKEN_CLASS_NAMES.contains(name)) {
			throw new UsageException("an entity named " + name + " would clash with a class the service uses: "
					+ "pick another name");
		}
		if (words.size() == 1) {
			throw new UsageException("--entity " + name + " needs at least one field, such as name:string");
		}

		List<Field> fields = new ArrayList<>();
		for (String word : words.subList(1, words.size())) {
			Field field = Field.parse(word);
			if (fields.stream().anyMatch((other) -> other.column().equals(field.column()))) {
				throw new UsageException("two fields are named " + field.name());
			}
			fields.add(field);
		}
		if (fields.stream().allMatch(Field::optional)) {
			throw new UsageException("at least one field of " + name + " must be required (not :optional)");
		}
		List<String> plural = words(name);
		plural.set(plural.size() - 1, plural(plural.get(plural.size() - 1)));
		return new Entity(name, String.join(" ", plural), List.copyOf(fields)).checked();
	}

	/**
	 * With another plural than the rule's (news, not newses), from {@code --plural}: lower-case words joined by
	 * hyphens, as in the path, {@code stock-levels}.
	 */
	Entity withPlural(String plural) {
		if (!plural.matches("[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*")) {
			throw new UsageException("--plural takes lower-case words joined by hyphens, as in the path (stock-levels), "
					+ "not '" + plural + "'");
		}
		return new Entity(this.name, plural.replace('-', ' '), this.fields).checked();
	}

	private Entity checked() {
		if (SQL_WORDS.contains(table()) || table().length() > MAX_SQL_NAME) {
			throw new UsageException("an entity named " + this.name + " would have a table named " + table()
					+ ", which SQL reserves or finds too long: pick another name, or another plural (--plural)");
		}
		for (String javaName : List.of(variable(), pluralVariable(), featurePackage())) {
			if (JAVA_KEYWORDS.contains(javaName) || MEMBER_NAMES.contains(javaName)) {
				throw new UsageException("an entity named " + this.name + " would have a variable or package named "
						+ javaName + ", which Java reserves: pick another name, or another plural (--plural)");
			}
		}
		for (Field field : uniqueFields()) {
			String constraint = "uk_" + table() + "_" + field.column();
			if (constraint.length() > MAX_SQL_NAME) {
				throw new UsageException("the unique constraint " + constraint + " would be longer than SQL allows ("
						+ MAX_SQL_NAME + "): shorten the entity's or the field's name");
			}
		}
		return this;
	}

	/** The words of a class name, lower case: StockLevel -> [stock, level]. */
	private static List<String> words(String name) {
		return new ArrayList<>(List.of(name.replaceAll("([a-z0-9])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT).split(" ")));
	}

	/** "stock level" */
	String inWords() {
		return String.join(" ", words(this.name));
	}

	/** "stock levels" */
	String pluralInWords() {
		return this.plural;
	}

	/** The variable: stockLevel */
	String variable() {
		return Character.toLowerCase(this.name.charAt(0)) + this.name.substring(1);
	}

	/** The collection's variable, and the feature package's words: stockLevels */
	String pluralVariable() {
		String plural = pluralInWords();
		StringBuilder camel = new StringBuilder();
		for (String word : plural.split(" ")) {
			camel.append(camel.isEmpty() ? word : Character.toUpperCase(word.charAt(0)) + word.substring(1));
		}
		return camel.toString();
	}

	/** stock_levels */
	String table() {
		return pluralInWords().replace(' ', '_');
	}

	/** stock-levels, as in /api/v1/stock-levels */
	String pathSegment() {
		return pluralInWords().replace(' ', '-');
	}

	/** stock-level, as in the problem type stock-level-not-found */
	String kebab() {
		return inWords().replace(' ', '-');
	}

	/** The feature package: stocklevels */
	String featurePackage() {
		return pluralInWords().replace(" ", "");
	}

	List<Field> uniqueFields() {
		return this.fields.stream().filter(Field::unique).toList();
	}

	static String plural(String word) {
		if (word.matches(".*[^aeiou]y")) {
			return word.substring(0, word.length() - 1) + "ies";
		}
		if (word.matches(".*(s|x|z|ch|sh)")) {
			return word + "es";
		}
		return word + "s";
	}

	/** A field's type: its Java type, its column, its checks, and values for examples and tests. */
	enum Type {

		STRING("String", null, "VARCHAR(100)"), INT("Integer", null, "INT"), LONG("Long", null, "BIGINT"),
		DECIMAL("BigDecimal", "java.math.BigDecimal", "DECIMAL(19, 2)"), BOOLEAN("Boolean", null, "BOOLEAN"),
		DATE("LocalDate", "java.time.LocalDate", "DATE");

		final String java;

		/** What a file using the type imports, or null for java.lang's. */
		final String javaImport;

		final String sql;

		Type(String java, String javaImport, String sql) {
			this.java = java;
			this.javaImport = javaImport;
			this.sql = sql;
		}

		static Type of(String word) {
			for (Type type : values()) {
				if (type.name().toLowerCase(Locale.ROOT).equals(word)) {
					return type;
				}
			}
			throw new UsageException("unknown field type '" + word + "': one of string, int, long, decimal, boolean, "
					+ "date");
		}

		/** Unique fields are compared for equality: not a flag, and not amounts. */
		boolean mayBeUnique() {
			return this == STRING || this == INT || this == LONG || this == DATE;
		}

	}

	/**
	 * @param name the Java and JSON name, {@code unitPrice}
	 */
	record Field(String name, Type type, boolean unique, boolean optional) {

		static Field parse(String word) {
			Matcher matcher = FIELD.matcher(word);
			if (!matcher.matches()) {
				throw new UsageException("a field is name:type[:unique][:optional], such as sku:string:unique, not '"
						+ word + "' (names start with a lower-case letter, then letters or digits, up to 30)");
			}
			String name = matcher.group(1);
			Type type = Type.of(matcher.group(2));
			boolean unique = false;
			boolean optional = false;
			for (String modifier : matcher.group(3).split(":")) {
				switch (modifier) {
					case "" -> {
					}
					case "unique" -> unique = true;
					case "optional" -> optional = true;
					default -> throw new UsageException("unknown modifier :" + modifier + " on " + name
							+ ": :unique or :optional");
				}
			}
			Field field = new Field(name, type, unique, optional);
			if (JAVA_KEYWORDS.contains(name) || MEMBER_NAMES.contains(name) || SQL_WORDS.contains(field.column())) {
				throw new UsageException("a field cannot be named " + name + ": Java, SQL or the entity itself "
						+ "(id, version, createdAt, updatedAt) has that name");
			}
			if (unique && !type.mayBeUnique()) {
				throw new UsageException(name + ": only string, int, long and date fields can be :unique");
			}
			return field;
		}

		/** unit_price */
		String column() {
			return this.name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
		}

		/** UnitPrice, as in getUnitPrice and existsByUnitPrice */
		String capitalized() {
			return Character.toUpperCase(this.name.charAt(0)) + this.name.substring(1);
		}

	}

}
