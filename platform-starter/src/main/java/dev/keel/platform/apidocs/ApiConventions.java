package dev.keel.platform.apidocs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import org.springdoc.core.customizers.OpenApiCustomizer;

import org.springframework.http.HttpStatus;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

import dev.keel.platform.problem.ProblemTypes;

import static org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON_VALUE;

/**
 * What every keel API answers besides an operation's own responses, and in what shape: each error is an RFC 9457
 * problem ({@code Problem}), whether a controller declares it ({@code @ApiResponse(responseCode = "404", ...)}) or
 * the platform answers it (invalid input, no or a refused token, the gateway's rate limit, an unavailable
 * dependency). Reads that {@code keel.security.public-reads} opens need no token and say so, as do operations
 * declared open ({@code @SecurityRequirements()}).
 */
final class ApiConventions implements OpenApiCustomizer {

	private static final String PROBLEM = "Problem";

	private final List<PathPattern> publicReads;

	ApiConventions(List<String> publicReads) {
		this.publicReads = publicReads.stream().map(PathPatternParser.defaultInstance::parse).toList();
	}

	@Override
	public void customise(OpenAPI api) {
		if (api.getComponents() == null) {
			api.setComponents(new Components());
		}
		api.getComponents().addSchemas(PROBLEM, problemSchema());
		if (api.getPaths() == null) {
			return;
		}
		api.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, operation) -> {
			// Open: declared so (@SecurityRequirements() with none), or a public read.
			boolean open = (operation.getSecurity() != null && operation.getSecurity().isEmpty())
					|| ((method == PathItem.HttpMethod.GET || method == PathItem.HttpMethod.HEAD) && this.publicReads
						.stream()
						.anyMatch((pattern) -> pattern.matches(PathContainer.parsePath(path))));
			if (open) {
				operation.setSecurity(List.of());
			}
			ApiResponses responses = operation.getResponses();
			if (hasInput(operation)) {
				addIfAbsent(responses, HttpStatus.BAD_REQUEST, "validation",
						"The request is invalid: `errors` names each offending field (`pointer`) or parameter.");
			}
			if (!open) {
				addIfAbsent(responses, HttpStatus.UNAUTHORIZED, "unauthorized",
						"No access token, or one that is invalid or has expired.");
				addIfAbsent(responses, HttpStatus.FORBIDDEN, "forbidden",
						"The token lacks the scope or role this call needs.");
			}
			addIfAbsent(responses, HttpStatus.TOO_MANY_REQUESTS, "too-many-requests",
					"Over this client's rate limit at the gateway: retry after `Retry-After` seconds.");
			addIfAbsent(responses, HttpStatus.SERVICE_UNAVAILABLE, "service-unavailable",
					"A service this call needs is unavailable: retry after `Retry-After` seconds.");
			// springdoc gives a declared response the operation's own body: an error's is a problem.
			responses.forEach((code, response) -> {
				boolean error = code.startsWith("4") || code.startsWith("5");
				boolean problem = response.getContent() != null
						&& response.getContent().containsKey(APPLICATION_PROBLEM_JSON_VALUE);
				if (error && !problem) {
					response.setContent(problemContent(null));
				}
			});
		}));
	}

	private static boolean hasInput(Operation operation) {
		return operation.getRequestBody() != null
				|| (operation.getParameters() != null && !operation.getParameters().isEmpty());
	}

	private static void addIfAbsent(ApiResponses responses, HttpStatus status, String type, String description) {
		String code = String.valueOf(status.value());
		if (!responses.containsKey(code)) {
			Map<String, Object> example = new LinkedHashMap<>();
			example.put("type", ProblemTypes.of(type).toString());
			example.put("title", status.getReasonPhrase());
			example.put("status", status.value());
			example.put("detail", description);
			responses.addApiResponse(code, new ApiResponse().description(description).content(problemContent(example)));
		}
	}

	private static Content problemContent(Map<String, Object> example) {
		MediaType problem = new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM));
		if (example != null) {
			problem.setExample(example);
		}
		return new Content().addMediaType(APPLICATION_PROBLEM_JSON_VALUE, problem);
	}

	/** The body of every error (ProblemResponses in platform-starter, the gateway's and the edge's alike). */
	private static Schema<Object> problemSchema() {
		Schema<Object> fieldError = object("One invalid field or parameter.")
			.addProperty("pointer", string("The field, as a JSON pointer into the body, e.g. `#/items/0/sku`."))
			.addProperty("parameter", string("The query or path parameter."))
			.addProperty("detail", string("What is wrong with it."));
		return object("An RFC 9457 problem.")
			.addProperty("type", string("What happened, a stable URI clients switch on, e.g. "
					+ ProblemTypes.of("out-of-stock") + ".").format("uri"))
			.addProperty("title", string("A short summary of the type."))
			.addProperty("status", typed(new Schema<>(), "integer").description("The HTTP status."))
			.addProperty("detail", string("What happened to this request, for a person."))
			.addProperty("instance", string("The request's path."))
			.addProperty("traceId", string("The request's trace, in the logs and traces."))
			.addProperty("requestId", string("The request's X-Request-Id."))
			.addProperty("errors", typed(new Schema<>(), "array").items(fieldError)
				.description("Each invalid field or parameter (400 only)."));
	}

	private static Schema<Object> object(String description) {
		return typed(new Schema<>(), "object").description(description);
	}

	private static Schema<Object> string(String description) {
		return typed(new Schema<>(), "string").description(description);
	}

	/** OpenAPI 3.1 writes {@code types}; 3.0 {@code type}: set both, so either version of the description is right. */
	private static Schema<Object> typed(Schema<Object> schema, String type) {
		return schema.type(type).types(Set.of(type));
	}

}
