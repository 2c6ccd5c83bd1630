package dev.keel.platform.web;

import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.keel.platform.problem.ApiProblem;

import static org.assertj.core.api.Assertions.assertThat;

@WebMvcTest(ProblemResponsesTests.SampleController.class)
@ImportAutoConfiguration(WebAutoConfiguration.class)
@TestPropertySource(properties = { "keel.web.max-request-body=200B", "spring.cloud.config.enabled=false" })
class ProblemResponsesTests {

	private static final String TYPES = "https://keel.dev/problems/";

	@Autowired
	private MockMvcTester mvc;

	@Nested
	class InvalidBodies {

		@Test
		void listsEveryInvalidFieldWithAJsonPointer() {
			MvcTestResult result = post("{\"name\":\" \",\"items\":[{\"quantity\":0}]}");

			assertProblem(result, HttpStatus.BAD_REQUEST, "validation");
			assertThat(result).bodyJson()
				.extractingPath("$.errors[*].pointer")
				.asArray()
				.containsExactlyInAnyOrder("#/name", "#/colour", "#/items/0/quantity");
		}

		@Test
		void malformedJsonIsABadRequest() {
			assertProblem(post("{\"name\": "), HttpStatus.BAD_REQUEST, "malformed-request");
		}

		@Test
		void wrongTypeNamesTheField() {
			MvcTestResult result = post("{\"name\":\"x\",\"colour\":\"RED\",\"items\":[{\"quantity\":\"many\"}]}");

			assertProblem(result, HttpStatus.BAD_REQUEST, "malformed-request");
			assertThat(result).bodyJson().extractingPath("$.detail").asString().contains("#/items/0/quantity");
		}

		@Test
		void unknownEnumValueListsTheAllowedOnes() {
			MvcTestResult result = post("{\"name\":\"x\",\"colour\":\"PURPLE\",\"items\":[{\"quantity\":1}]}");

			assertProblem(result, HttpStatus.BAD_REQUEST, "malformed-request");
			assertThat(result).bodyJson().extractingPath("$.detail").asString().contains("#/colour", "RED", "BLUE");
		}

		@Test
		void oversizedBodyIsRefusedWith413() {
			String big = "{\"name\":\"" + "x".repeat(500) + "\",\"colour\":\"RED\",\"items\":[{\"quantity\":1}]}";

			assertProblem(post(big), HttpStatus.CONTENT_TOO_LARGE, "content-too-large");
		}

		@Test
		void wrongContentTypeIs415() {
			MvcTestResult result = mvc.post().uri("/samples").contentType(MediaType.TEXT_PLAIN).content("hi").exchange();

			assertProblem(result, HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
		}

	}

	@Nested
	class InvalidParameters {

		@Test
		void constraintOnAQueryParameter() {
			MvcTestResult result = mvc.get().uri("/samples?size=1000").exchange();

			assertProblem(result, HttpStatus.BAD_REQUEST, "validation");
			assertThat(result).bodyJson().extractingPath("$.errors[0].parameter").isEqualTo("size");
		}

		@Test
		void wrongTypeOfAPathVariable() {
			MvcTestResult result = mvc.get().uri("/samples/abc").exchange();

			assertProblem(result, HttpStatus.BAD_REQUEST, "validation");
			assertThat(result).bodyJson().extractingPath("$.errors[0].parameter").isEqualTo("id");
		}

	}

	@Nested
	class Failures {

		@Test
		void domainProblemKeepsItsStatusTypeAndProperties() {
			MvcTestResult result = mvc.get().uri("/samples/7").exchange();

			assertProblem(result, HttpStatus.CONFLICT, "sample-conflict");
			assertThat(result).bodyJson().extractingPath("$.sampleId").isEqualTo(7);
			assertThat(result).bodyJson().extractingPath("$.instance").isEqualTo("/samples/7");
		}

		@Test
		void unknownPathIs404() {
			assertProblem(mvc.get().uri("/nothing-here").exchange(), HttpStatus.NOT_FOUND, "not-found");
		}

		@Test
		void wrongMethodIs405() {
			assertProblem(mvc.delete().uri("/samples").exchange(), HttpStatus.METHOD_NOT_ALLOWED,
					"method-not-allowed");
		}

		@Test
		void optimisticLockConflictIs409() {
			assertProblem(mvc.get().uri("/samples/2").exchange(), HttpStatus.CONFLICT, "concurrent-modification");
		}

		@Test
		void unexpectedFailureIsA500ThatLeaksNothing() {
			MvcTestResult result = mvc.get().uri("/samples/1").exchange();

			assertProblem(result, HttpStatus.INTERNAL_SERVER_ERROR, "internal-server-error");
			assertThat(result).bodyText().doesNotContain("secret");
		}

	}

	private MvcTestResult post(String json) {
		return this.mvc.post().uri("/samples").contentType(MediaType.APPLICATION_JSON).content(json).exchange();
	}

	private static void assertProblem(MvcTestResult result, HttpStatus status, String type) {
		assertThat(result).hasStatus(status).hasContentType(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(result).bodyJson().extractingPath("$.type").isEqualTo(TYPES + type);
		assertThat(result).bodyJson().extractingPath("$.status").isEqualTo(status.value());
	}

	@SpringBootApplication
	static class SampleApplication {

	}

	enum Colour {

		RED, BLUE

	}

	record Item(@NotNull @Positive Integer quantity) {
	}

	record Sample(@NotBlank String name, @NotNull Colour colour, @NotEmpty List<@Valid Item> items) {
	}

	static class SampleConflict extends ApiProblem {

		SampleConflict(long id) {
			super(HttpStatus.CONFLICT, "sample-conflict", "Sample conflict", "Sample " + id + " conflicts.");
			property("sampleId", id);
		}

	}

	@RestController
	static class SampleController {

		@PostMapping("/samples")
		Sample create(@Valid @RequestBody Sample sample) {
			return sample;
		}

		@GetMapping("/samples")
		List<Sample> list(@RequestParam(defaultValue = "20") @Max(100) int size) {
			return List.of();
		}

		@GetMapping("/samples/{id}")
		Sample get(@PathVariable long id) {
			if (id == 1) {
				throw new IllegalStateException("secret internals");
			}
			if (id == 2) {
				throw new OptimisticLockingFailureException("stale");
			}
			throw new SampleConflict(id);
		}

	}

}
