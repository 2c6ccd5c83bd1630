package dev.keel.platform.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.client.EntityExchangeResult;
import org.springframework.test.web.servlet.client.RestTestClient;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * A service's OpenAPI description ({@code /v3/api-docs}), held to the service that serves it: it describes every
 * operation of the public API and no other, each constraint it states on a request is one the service enforces
 * (a request that breaks it answers 400 naming the field or parameter), a request made of its examples passes
 * validation, and it is the contract checked in under {@code api/}: a change to it fails the build until the snapshot
 * is rewritten ({@value #WRITE_PROPERTY}) and reviewed with the code.
 */
public final class ApiDescription {

	/** Set ({@code -Dkeel.api.write=true}) to write the snapshot from the code instead of checking it. */
	public static final String WRITE_PROPERTY = "keel.api.write";

	private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

	/** What is only words or examples: no client depends on it. */
	private static final Set<String> DOCUMENTATION = Set.of("description", "summary", "title", "example", "examples");

	/** Keywords that, added to a schema, refuse what it accepted. */
	private static final Set<String> CONSTRAINTS = Set.of("required", "maxLength", "minLength", "minimum", "maximum",
			"exclusiveMinimum", "exclusiveMaximum", "pattern", "format", "enum", "minItems", "maxItems", "uniqueItems");

	private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

	private final JsonNode document;

	private ApiDescription(JsonNode document) {
		this.document = document;
	}

	/** The description the service serves, fetched without a token as the gateway does. */
	public static ApiDescription of(RestTestClient anonymous) {
		String body = anonymous.get()
			.uri("/v3/api-docs")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(body).isNotBlank();
		return new ApiDescription(JSON.readTree(body));
	}

	/** Every handler under {@code /api/} is described with its methods and its success, and nothing else is. */
	public void assertDescribesEveryEndpointOf(RequestMappingHandlerMapping handlers) {
		Set<String> served = new TreeSet<>();
		for (RequestMappingInfo mapping : handlers.getHandlerMethods().keySet()) {
			for (String pattern : mapping.getPatternValues()) {
				if (pattern.startsWith("/api/")) {
					assertThat(mapping.getMethodsCondition().getMethods()).as("methods of %s", pattern).isNotEmpty();
					mapping.getMethodsCondition().getMethods().forEach((method) -> served.add(method + " " + pattern));
				}
			}
		}
		Set<String> described = new TreeSet<>();
		this.document.path("paths").properties().forEach((path) -> path.getValue().properties().forEach((operation) -> {
			if (METHODS.contains(operation.getKey())) {
				described.add(operation.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey());
				List<String> codes = new ArrayList<>();
				operation.getValue().path("responses").propertyNames().forEach(codes::add);
				assertThat(codes).as("%s %s's responses", operation.getKey(), path.getKey())
					.anyMatch((code) -> code.startsWith("2"));
			}
		}));
		assertThat(served).as("the controllers' API").isNotEmpty();
		assertThat(described).as("operations in /v3/api-docs against the controllers' handlers").isEqualTo(served);
	}

	/**
	 * Each operation, made of the description's examples, passes validation; each constraint the description states
	 * on a body field (required, length, range, pattern, e-mail format, items) or on a parameter's range is enforced:
	 * breaking it answers 400 with that field's pointer or that parameter's name in {@code errors}; and the values at
	 * the bounds it states pass.
	 * @param client a client signed in with every scope and role the API has
	 */
	public void assertValidationAgreesWith(RestTestClient client) {
		int checked = 0;
		for (Map.Entry<String, JsonNode> path : this.document.path("paths").properties()) {
			for (Map.Entry<String, JsonNode> entry : path.getValue().properties()) {
				if (!METHODS.contains(entry.getKey())) {
					continue;
				}
				HttpMethod method = HttpMethod.valueOf(entry.getKey().toUpperCase(Locale.ROOT));
				Call call = new Call(method, path.getKey(), entry.getValue());
				assertPassesValidation(call.send(client, null, null), "made of the description's examples", call);
				for (JsonNode parameter : entry.getValue().path("parameters")) {
					for (String value : outOfRange(resolve(parameter.path("schema")))) {
						assertRefused(call.send(client, Map.of(parameter.path("name").asString(), value), null),
								"parameter", parameter.path("name").asString(), call);
						checked++;
					}
				}
				JsonNode schema = entry.getValue().path("requestBody").path("content").path("application/json")
					.path("schema");
				if (!schema.isMissingNode()) {
					assertThat(type(resolve(schema))).as("%s's body", call).isEqualTo("object");
					ObjectNode valid = (ObjectNode) example(resolve(schema));
					List<Violation> violations = violations(resolve(schema), "#");
					assertThat(violations).as("%s's body constraints", call).isNotEmpty();
					for (Violation violation : violations) {
						ObjectNode body = valid.deepCopy();
						violation.apply(body);
						EntityExchangeResult<String> answer = call.send(client, null, body);
						if (violation.allowed()) {
							assertPassesValidation(answer, violation.pointer() + " at a bound the description allows",
									call);
						}
						else {
							assertRefused(answer, "pointer", violation.pointer(), call);
						}
						checked++;
					}
				}
			}
		}
		assertThat(checked).as("constraints checked").isPositive();
	}

	/**
	 * The description is the one checked in ({@code api/<service>.json} at the repository's root); with
	 * {@value #WRITE_PROPERTY} set, it is written there instead.
	 */
	public void assertMatchesSnapshot(String service) {
		Path snapshot = Path.of("..", "api", service + ".json").toAbsolutePath().normalize();
		String current = JSON.writeValueAsString(this.document) + "\n";
		try {
			if (Boolean.getBoolean(WRITE_PROPERTY)) {
				Files.createDirectories(snapshot.getParent());
				Files.writeString(snapshot, current);
				return;
			}
			assertThat(snapshot).as("the API's snapshot (write it with -D%s=true)", WRITE_PROPERTY).exists();
			List<String> changes = new ArrayList<>();
			compare("", JSON.readTree(Files.readString(snapshot)), this.document, changes);
			if (!changes.isEmpty()) {
				fail("""
						%s's API is not the one in %s. If the change is meant, write the snapshot and commit it with the \
						code (README, "API documentation"):
						  ./mvnw verify -pl %s -am -D%s=true
						What is marked BREAKING may break clients.
						%s""".formatted(service, snapshot, service, WRITE_PROPERTY, String.join("\n", changes)));
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Differences from the snapshot, by JSON pointer. Marked breaking, judged as for a request (a response's change is
	 * judged the same way, which errs on the side of the mark): what is removed, newly required or newly constrained,
	 * and any changed value but words and examples. Parameters are matched by name and place, not position.
	 */
	private static void compare(String pointer, JsonNode before, JsonNode after, List<String> changes) {
		if (before.isArray() && after.isArray() && isParameterList(before) && isParameterList(after)) {
			compare(pointer, byNameAndPlace(before), byNameAndPlace(after), changes);
		}
		else if (before.isObject() && after.isObject()) {
			for (Map.Entry<String, JsonNode> member : before.properties()) {
				String at = child(pointer, member.getKey());
				if (after.has(member.getKey())) {
					compare(at, member.getValue(), after.get(member.getKey()), changes);
				}
				else {
					changes.add(mark(!isDocumentation(at)) + "removed " + at);
				}
			}
			for (Map.Entry<String, JsonNode> member : after.properties()) {
				if (!before.has(member.getKey())) {
					changes.add(mark(CONSTRAINTS.contains(member.getKey())) + "added " + child(pointer, member.getKey()));
				}
			}
		}
		else if (!before.equals(after)) {
			boolean breaking = pointer.endsWith("/required") ? !contains(before, after)
					: !isDocumentation(pointer);
			changes.add(mark(breaking) + "changed " + pointer + ": " + before + " -> " + after);
		}
	}

	/** Words or examples, or within them; a property of that name (under {@code properties}) is no such thing. */
	private static boolean isDocumentation(String pointer) {
		String[] segments = pointer.split("/");
		for (int i = 1; i < segments.length; i++) {
			if (DOCUMENTATION.contains(segments[i]) && !segments[i - 1].equals("properties")) {
				return true;
			}
		}
		return false;
	}

	private static String mark(boolean breaking) {
		return breaking ? "  BREAKING " : "  ";
	}

	private static boolean isParameterList(JsonNode array) {
		for (JsonNode element : array) {
			if (!element.has("name") || !element.has("in")) {
				return false;
			}
		}
		return !array.isEmpty();
	}

	private static ObjectNode byNameAndPlace(JsonNode parameters) {
		ObjectNode named = JsonNodeFactory.instance.objectNode();
		parameters.forEach((parameter) -> named.set(parameter.get("in").asString() + ":" + parameter.get("name").asString(),
				parameter));
		return named;
	}

	private static String child(String pointer, String name) {
		return pointer + "/" + name.replace("~", "~0").replace("/", "~1");
	}

	private static boolean contains(JsonNode before, JsonNode after) {
		Set<JsonNode> was = new HashSet<>();
		before.forEach(was::add);
		for (JsonNode value : after) {
			if (!was.contains(value)) {
				return false;
			}
		}
		return true;
	}

	private JsonNode resolve(JsonNode schema) {
		JsonNode resolved = schema;
		while (resolved.has("$ref")) {
			String reference = resolved.get("$ref").asString();
			resolved = this.document.path("components").path("schemas")
				.path(reference.replace("#/components/schemas/", ""));
			assertThat(resolved.isMissingNode()).as("%s resolves", reference).isFalse();
		}
		return resolved;
	}

	private static String type(JsonNode schema) {
		JsonNode type = schema.path("type");
		if (type.isArray()) {
			for (JsonNode each : type) {
				if (!each.asString().equals("null")) {
					return each.asString();
				}
			}
		}
		return type.asString("object");
	}

	/** A valid value, from the description's examples (each field it requires must have one). */
	private JsonNode example(JsonNode schema) {
		JsonNodeFactory nodes = JsonNodeFactory.instance;
		switch (type(schema)) {
			case "object" -> {
				ObjectNode object = nodes.objectNode();
				for (Map.Entry<String, JsonNode> property : schema.path("properties").properties()) {
					object.set(property.getKey(), example(resolve(property.getValue())));
				}
				return object;
			}
			case "array" -> {
				ArrayNode array = nodes.arrayNode();
				array.add(example(resolve(schema.path("items"))));
				return array;
			}
			default -> {
				JsonNode example = schema.has("example") ? schema.get("example")
						: schema.path("examples").path(0);
				assertThat(example.isMissingNode()).as("an example for %s", schema).isFalse();
				// Examples are written as strings in annotations: a number's is the number.
				return (type(schema).equals("integer") || type(schema).equals("number")) && example.isString()
						? nodes.numberNode(new BigDecimal(example.asString())) : example;
			}
		}
	}

	/** A change to a valid body at one field: breaking one constraint, or (allowed) a value at a bound it states. */
	private record Violation(String pointer, boolean allowed, Consumer<JsonNode> change) {

		void apply(JsonNode body) {
			this.change.accept(body);
		}

	}

	/**
	 * One broken constraint at a time, each at its field's pointer in a copy of the valid body; and the values at the
	 * bounds the description states, which must pass.
	 */
	private List<Violation> violations(JsonNode schema, String pointer) {
		List<Violation> violations = new ArrayList<>();
		if (type(schema).equals("object")) {
			Set<String> required = new TreeSet<>();
			schema.path("required").forEach((name) -> required.add(name.asString()));
			for (Map.Entry<String, JsonNode> property : schema.path("properties").properties()) {
				String name = property.getKey();
				String at = child(pointer, name);
				if (required.contains(name)) {
					violations.add(new Violation(at, false, (body) -> ((ObjectNode) at(body, pointer)).remove(name)));
				}
				JsonNode field = resolve(property.getValue());
				for (JsonNode bad : badValues(field)) {
					violations.add(new Violation(at, false, (body) -> ((ObjectNode) at(body, pointer)).set(name, bad)));
				}
				for (JsonNode bound : boundValues(field)) {
					violations.add(new Violation(at, true, (body) -> ((ObjectNode) at(body, pointer)).set(name, bound)));
				}
				if (type(field).equals("array") && type(resolve(field.path("items"))).equals("object")) {
					violations.addAll(violations(resolve(field.path("items")), at + "/0"));
				}
				else if (type(field).equals("object")) {
					violations.addAll(violations(field, at));
				}
			}
		}
		return violations;
	}

	private static JsonNode at(JsonNode body, String pointer) {
		return pointer.equals("#") ? body : body.at(pointer.substring(1));
	}

	/** Values each constraint of a field's schema refuses. */
	private static List<JsonNode> badValues(JsonNode schema) {
		JsonNodeFactory nodes = JsonNodeFactory.instance;
		List<JsonNode> bad = new ArrayList<>();
		switch (type(schema)) {
			case "string" -> {
				if (schema.has("maxLength")) {
					bad.add(nodes.stringNode("x".repeat(schema.get("maxLength").asInt() + 1)));
				}
				if (schema.path("minLength").asInt() > 0) {
					bad.add(nodes.stringNode("x".repeat(schema.get("minLength").asInt() - 1)));
				}
				if (schema.path("format").asString().equals("email")) {
					bad.add(nodes.stringNode("not-an-e-mail"));
				}
				if (schema.has("pattern")) {
					Pattern pattern = Pattern.compile(schema.get("pattern").asString());
					List.of("-", "A", "a!", " ")
						.stream()
						.filter((candidate) -> !pattern.matcher(candidate).matches())
						.findFirst()
						.ifPresent((candidate) -> bad.add(nodes.stringNode(candidate)));
				}
			}
			case "integer", "number" -> outOfRange(schema).forEach((value) -> bad.add(nodes.numberNode(new BigDecimal(value))));
			case "array" -> {
				if (schema.path("minItems").asInt() > 0) {
					bad.add(nodes.arrayNode());
				}
			}
			default -> {
			}
		}
		return bad;
	}

	/**
	 * Values at the bounds a field's schema states: its shortest and longest string (where no format or pattern
	 * restricts it further: a rule the schema cannot state, like a password's, goes with a format), its smallest and
	 * largest number.
	 */
	private static List<JsonNode> boundValues(JsonNode schema) {
		JsonNodeFactory nodes = JsonNodeFactory.instance;
		List<JsonNode> bounds = new ArrayList<>();
		switch (type(schema)) {
			case "string" -> {
				if (!schema.has("format") && !schema.has("pattern")) {
					bounds.add(nodes.stringNode("x".repeat(schema.path("minLength").asInt(0))));
					if (schema.has("maxLength")) {
						bounds.add(nodes.stringNode("x".repeat(schema.get("maxLength").asInt())));
					}
				}
			}
			case "integer", "number" -> {
				if (schema.has("minimum")) {
					bounds.add(schema.get("minimum"));
				}
				if (schema.has("maximum")) {
					bounds.add(schema.get("maximum"));
				}
			}
			default -> {
			}
		}
		return bounds;
	}

	/** Numbers just outside a number's range. */
	private static List<String> outOfRange(JsonNode schema) {
		List<String> values = new ArrayList<>();
		if (schema.has("minimum")) {
			values.add(schema.get("minimum").decimalValue().subtract(BigDecimal.ONE).toPlainString());
		}
		if (schema.has("exclusiveMinimum") && schema.get("exclusiveMinimum").isNumber()) {
			values.add(schema.get("exclusiveMinimum").decimalValue().toPlainString());
		}
		if (schema.has("maximum")) {
			values.add(schema.get("maximum").decimalValue().add(BigDecimal.ONE).toPlainString());
		}
		if (schema.has("exclusiveMaximum") && schema.get("exclusiveMaximum").isNumber()) {
			values.add(schema.get("exclusiveMaximum").decimalValue().toPlainString());
		}
		return values;
	}

	/**
	 * The request passed validation: a success, or an answer the operation declares for what follows it (not
	 * permitted on this object, not found, a conflict, unprocessable), never a 400, a refused token or a server error.
	 */
	private static void assertPassesValidation(EntityExchangeResult<String> result, String what, Call call) {
		int status = result.getStatus().value();
		boolean declared = call.operation.path("responses").has(String.valueOf(status));
		// A 403 after validation: the caller (an administrator, every scope) may not act on this object.
		assertThat(status >= 200 && status < 300 || declared && status >= 403 && status < 500)
			.as("%s, %s: %s -> %d %s", call, what, call.last, status, result.getResponseBody())
			.isTrue();
	}

	private static void assertRefused(EntityExchangeResult<String> result, String member, String name, Call call) {
		assertThat(result.getStatus().value()).as("%s, %s %s broken: %s", call, member, name, call.last).isEqualTo(400);
		JsonNode problem = JSON.readTree(result.getResponseBody());
		List<String> named = new ArrayList<>();
		problem.path("errors").forEach((error) -> named.add(error.path(member).asString()));
		assertThat(named).as("%s, %s %s broken: %s -> %s", call, member, name, call.last, problem).contains(name);
	}

	/** One operation, sent with its parameters' examples (a fresh UUID for a header without one). */
	private final class Call {

		private final HttpMethod method;

		private final String path;

		private final JsonNode operation;

		private String last = "";

		Call(HttpMethod method, String path, JsonNode operation) {
			this.method = method;
			this.path = path;
			this.operation = operation;
		}

		EntityExchangeResult<String> send(RestTestClient client, Map<String, String> overrides, JsonNode body) {
			StringBuilder uri = new StringBuilder(this.path);
			Map<String, String> values = new HashMap<>();
			List<String[]> headers = new ArrayList<>();
			for (JsonNode parameter : this.operation.path("parameters")) {
				String name = parameter.path("name").asString();
				JsonNode schema = resolve(parameter.path("schema"));
				String value = (overrides != null && overrides.containsKey(name)) ? overrides.get(name)
						: parameterExample(parameter, schema);
				switch (parameter.path("in").asString()) {
					case "path" -> values.put(name, value);
					case "query" -> {
						if (value != null) {
							uri.append((uri.indexOf("?") < 0) ? "?" : "&").append(name).append("={").append(name).append('}');
							values.put(name, value);
						}
					}
					case "header" -> headers.add(new String[] { name, (value != null) ? value : UUID.randomUUID().toString() });
					default -> {
					}
				}
			}
			JsonNode sent = body;
			JsonNode schema = this.operation.path("requestBody").path("content").path("application/json").path("schema");
			if (sent == null && !schema.isMissingNode()) {
				sent = example(resolve(schema));
			}
			// Values as template variables: the client encodes them.
			RestTestClient.RequestBodySpec request = client.method(this.method).uri(uri.toString(), values);
			headers.forEach((header) -> request.header(header[0], header[1]));
			if (sent != null) {
				request.contentType(MediaType.APPLICATION_JSON).body(JSON.writeValueAsString(sent));
			}
			this.last = this.method + " " + uri + " " + values + ((sent != null) ? " " + sent : "");
			return request.exchange().expectBody(String.class).returnResult();
		}

		private String parameterExample(JsonNode parameter, JsonNode schema) {
			JsonNode example = parameter.has("example") ? parameter.get("example") : schema.path("example");
			if (!example.isMissingNode()) {
				return example.asString();
			}
			if (schema.has("default")) {
				return schema.get("default").asString();
			}
			if (parameter.path("in").asString().equals("header")) {
				return null;
			}
			// A path or required query parameter without an example: the smallest value its schema allows.
			if (type(schema).equals("integer")) {
				return schema.has("minimum") ? schema.get("minimum").asString() : "1";
			}
			return parameter.path("required").asBoolean() ? "x" : null;
		}

		@Override
		public String toString() {
			return this.method + " " + this.path;
		}

	}

}
