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
 * @param fields in the order given
 */
record Entity(String name, List<Field> fields) {

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
			"DeleteMapping", "PathVariable", "RequestBody", "RequestParam", "Math", "System", "Thread", "Class");

	/** What Java or SQL (MySQL 8.4, MariaDB) reserve: a field named so would not compile, or need quoting. */
	private static final Set<String> RESERVED_FIELD_NAMES = Set.of("id", "version", "created_at", "updated_at",
			"abstract", "assert", "boolean", "break", "byte", "case", "catch", "char", "class", "const", "continue",
			"default", "do", "double", "else", "enum", "extends", "final", "finally", "float", "for", "goto", "if",
			"implements", "import", "instanceof", "int", "interface", "long", "native", "new", "package", "private",
			"protected", "public", "return", "short", "static", "strictfp", "super", "switch", "synchronized", "this",
			"throw", "throws", "transient", "try", "void", "volatile", "while", "record", "var", "yield", "true",
			"false", "null", "add", "all", "alter", "and", "as", "asc", "before", "between", "both", "by", "call",
			"cascade", "change", "check", "collate", "column", "condition", "constraint", "convert", "create", "cross",
			"current_date", "current_time", "current_user", "cursor", "database", "databases", "dec", "decimal",
			"declare", "delete", "desc", "describe", "distinct", "div", "drop", "each", "exists", "explain", "fetch",
			"foreign", "from", "function", "generated", "grant", "group", "groups", "having", "ignore", "in", "index",
			"inner", "insert", "integer", "interval", "into", "is", "iterate", "join", "key", "keys", "kill", "lag",
			"lead", "leading", "leave", "left", "like", "limit", "linear", "lines", "load", "lock", "loop", "match",
			"mod", "natural", "not", "numeric", "of", "on", "option", "or", "order", "out", "outer", "over",
			"partition", "precision", "primary", "range", "rank", "read", "real", "references", "release", "rename",
			"repeat", "replace", "require", "restrict", "revoke", "right", "row", "rows", "schema", "select", "set",
			"show", "signal", "sql", "table", "then", "to", "trailing", "trigger", "union", "unique", "unlock",
			"unsigned", "update", "usage", "use", "using", "values", "when", "where", "window", "with", "write", "xor");

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
		String table = new Entity(name, List.of()).table();
		if (RESERVED_FIELD_NAMES.contains(table)) {
			throw new UsageException("an entity named " + name + " would have a table named " + table
					+ ", which SQL reserves: pick another name");
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
		return new Entity(name, List.copyOf(fields));
	}

	/** The words of the name, lower case: StockLevel -> [stock, level]. */
	List<String> words() {
		return List.of(this.name.replaceAll("([a-z0-9])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT).split(" "));
	}

	/** "stock level" */
	String inWords() {
		return String.join(" ", words());
	}

	/** "stock levels" */
	String pluralInWords() {
		List<String> words = new ArrayList<>(words());
		words.set(words.size() - 1, plural(words.get(words.size() - 1)));
		return String.join(" ", words);
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

		STRING("String", "VARCHAR(100)"), INT("Integer", "INT"), LONG("Long", "BIGINT"),
		DECIMAL("BigDecimal", "DECIMAL(19, 2)"), BOOLEAN("Boolean", "BOOLEAN"), DATE("LocalDate", "DATE");

		final String java;

		final String sql;

		Type(String java, String sql) {
			this.java = java;
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
			if (RESERVED_FIELD_NAMES.contains(name.toLowerCase(Locale.ROOT))
					|| RESERVED_FIELD_NAMES.contains(field.column())) {
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
