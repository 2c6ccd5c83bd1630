package dev.keel.user.users;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;

import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.observation.ServerRequestObservationContext;
import org.springframework.test.web.servlet.client.RestTestClient;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import dev.keel.platform.test.ApiDescription;
import dev.keel.platform.test.Problems;
import dev.keel.platform.test.TestIssuer;

import static dev.keel.platform.test.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The user API over real HTTP against the real embedded MariaDB, with the settings from config-repo/.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureRestTestClient
@Import(UserApiIT.Spans.class)
class UserApiIT {

	/** Each request's observation as it ended (it becomes the request's span): its path and its caller. */
	private static final Queue<String> observed = new ConcurrentLinkedQueue<>();

	private static final TestIssuer issuer = TestIssuer.get();

	@Autowired
	private RestTestClient anonymous;

	/** A customer of their own for each test. */
	private RestTestClient http;

	private String subject;

	@BeforeEach
	void signIn() {
		this.subject = "customer-" + UUID.randomUUID();
		this.http = as(issuer.customer(this.subject));
	}

	private RestTestClient as(String token) {
		return TestIssuer.signedIn(this.anonymous, token);
	}

	@Nested
	class Create {

		@Test
		void returnsTheUserAndWhereToFindIt() {
			String email = uniqueEmail();

			UserResponse created = http.post()
				.uri("/api/v1/users")
				.contentType(MediaType.APPLICATION_JSON)
				.body(new UserRequest(email, "Ada Lovelace"))
				.exchange()
				.expectStatus()
				.isCreated()
				.expectHeader()
				.valueMatches("Location", "/api/v1/users/\\d+")
				.expectBody(UserResponse.class)
				.returnResult()
				.getResponseBody();

			assertThat(created.owner()).isEqualTo(subject);
			assertThat(created.email()).isEqualTo(email);
			assertThat(created.name()).isEqualTo("Ada Lovelace");
			assertThat(created.version()).isZero();
			assertThat(created.createdAt()).isNotNull().isEqualTo(created.updatedAt());
			assertThat(get(created.id())).isEqualTo(created);
		}

		@Test
		void duplicateEmailIsAConflictWhateverItsCase() {
			String email = uniqueEmail();
			create(email, "First");

			assertProblem(post("{\"email\":\"" + email.toUpperCase() + "\",\"name\":\"Second\"}"), HttpStatus.CONFLICT,
					"duplicate-email");
		}

		@Test
		void invalidFieldsAreAllReported() {
			post("{\"email\":\"not-an-email\",\"name\":\"  \"}").expectStatus()
				.isBadRequest()
				.expectHeader()
				.contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.expectBody()
				.jsonPath("$.type")
				.isEqualTo(Problems.TYPES + "validation")
				.jsonPath("$.errors[*].pointer")
				.value((pointers) -> assertThat((List<Object>) pointers).containsExactlyInAnyOrder("#/email", "#/name"));
		}

		@Test
		void missingBodyMalformedJsonAndWrongTypesAreBadRequests() {
			assertProblem(post(""), HttpStatus.BAD_REQUEST, "malformed-request");
			assertProblem(post("{\"email\":"), HttpStatus.BAD_REQUEST, "malformed-request");
			assertProblem(post("[1,2,3]"), HttpStatus.BAD_REQUEST, "malformed-request");
			assertProblem(post("{\"email\":{\"a\":1},\"name\":\"x\"}"), HttpStatus.BAD_REQUEST, "malformed-request");
		}

		@Test
		void overlongValuesAreRejectedNotTruncated() {
			assertProblem(post("{\"email\":\"" + uniqueEmail() + "\",\"name\":\"" + "n".repeat(101) + "\"}"),
					HttpStatus.BAD_REQUEST, "validation");
		}

		@Test
		void oversizedBodyIs413() {
			assertProblem(post("{\"email\":\"a@b.c\",\"name\":\"" + "n".repeat(70_000) + "\"}"), HttpStatus.CONTENT_TOO_LARGE,
					"content-too-large");
		}

		@Test
		void otherMediaTypesAre415() {
			assertProblem(http.post().uri("/api/v1/users").contentType(MediaType.TEXT_PLAIN).body("x").exchange(),
					HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
		}

	}

	@Nested
	class Read {

		@Test
		void unknownIdIs404() {
			assertProblem(http.get().uri("/api/v1/users/{id}", Long.MAX_VALUE).exchange(), HttpStatus.NOT_FOUND,
					"user-not-found");
		}

		@Test
		void nonNumericIdIs400() {
			assertProblem(http.get().uri("/api/v1/users/abc").exchange(), HttpStatus.BAD_REQUEST, "validation");
		}

		@Test
		void pagesAreBoundedAndOrdered() {
			create(uniqueEmail(), "Paged One");
			create(uniqueEmail(), "Paged Two");
			RestTestClient admin = as(issuer.administrator("admin"));

			admin.get()
				.uri("/api/v1/users?page=0&size=1")
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.content.length()")
				.isEqualTo(1)
				.jsonPath("$.size")
				.isEqualTo(1)
				.jsonPath("$.totalElements")
				.value((total) -> assertThat(((Number) total).longValue()).isGreaterThanOrEqualTo(2));
			for (String query : List.of("size=101", "size=0", "page=-1", "size=ten")) {
				assertProblem(admin.get().uri("/api/v1/users?" + query).exchange(), HttpStatus.BAD_REQUEST, "validation");
			}
		}

	}

	@Nested
	class Update {

		@Test
		void bumpsTheVersion() {
			UserResponse user = create(uniqueEmail(), "Before");
			String email = uniqueEmail();

			UserResponse updated = put(user.id(), new UserUpdate(email, "After", user.version())).expectStatus()
				.isOk()
				.expectBody(UserResponse.class)
				.returnResult()
				.getResponseBody();

			assertThat(updated.name()).isEqualTo("After");
			assertThat(updated.email()).isEqualTo(email);
			assertThat(updated.version()).isEqualTo(user.version() + 1);
			assertThat(updated.createdAt()).isEqualTo(user.createdAt());
			assertThat(updated.updatedAt()).isAfterOrEqualTo(user.updatedAt());
		}

		@Test
		void staleVersionIsAConflictAndChangesNothing() {
			UserResponse user = create(uniqueEmail(), "Original");
			put(user.id(), new UserUpdate(user.email(), "First writer", user.version())).expectStatus().isOk();

			assertProblem(put(user.id(), new UserUpdate(user.email(), "Second writer", user.version())),
					HttpStatus.CONFLICT, "stale-version");
			assertThat(get(user.id()).name()).isEqualTo("First writer");
		}

		@Test
		void concurrentWritersOfOneVersionGetExactlyOneSuccess() throws Exception {
			UserResponse user = create(uniqueEmail(), "Contended");
			CyclicBarrier start = new CyclicBarrier(4);
			List<CompletableFuture<HttpStatus>> writers = new ArrayList<>();
			for (int i = 0; i < 4; i++) {
				String name = "Writer " + i;
				writers.add(CompletableFuture.supplyAsync(() -> {
					await(start);
					return HttpStatus.valueOf(put(user.id(), new UserUpdate(user.email(), name, user.version()))
						.returnResult()
						.getStatus()
						.value());
				}));
			}

			List<HttpStatus> statuses = writers.stream().map(CompletableFuture::join).toList();

			assertThat(statuses).containsOnly(HttpStatus.OK, HttpStatus.CONFLICT);
			assertThat(statuses).filteredOn(HttpStatus.OK::equals).hasSize(1);
			assertThat(get(user.id()).version()).isEqualTo(user.version() + 1);
		}

		@Test
		void takingAnotherUsersEmailIsAConflict() {
			UserResponse taken = create(uniqueEmail(), "Owner");
			UserResponse user = create(uniqueEmail(), "Other");

			assertProblem(put(user.id(), new UserUpdate(taken.email(), "Other", user.version())), HttpStatus.CONFLICT,
					"duplicate-email");
		}

		@Test
		void missingVersionIsABadRequest() {
			UserResponse user = create(uniqueEmail(), "No version");

			assertProblem(http.put()
				.uri("/api/v1/users/{id}", user.id())
				.contentType(MediaType.APPLICATION_JSON)
				.body("{\"email\":\"" + user.email() + "\",\"name\":\"x\"}")
				.exchange(), HttpStatus.BAD_REQUEST, "validation");
		}

		@Test
		void unknownUserIs404() {
			assertProblem(put(Long.MAX_VALUE, new UserUpdate(uniqueEmail(), "Nobody", 0L)), HttpStatus.NOT_FOUND,
					"user-not-found");
		}

	}

	@Nested
	class Delete {

		@Test
		void removesTheUser() {
			UserResponse user = create(uniqueEmail(), "Leaving");

			http.delete().uri("/api/v1/users/{id}", user.id()).exchange().expectStatus().isNoContent();

			assertProblem(http.get().uri("/api/v1/users/{id}", user.id()).exchange(), HttpStatus.NOT_FOUND,
					"user-not-found");
			assertProblem(http.delete().uri("/api/v1/users/{id}", user.id()).exchange(), HttpStatus.NOT_FOUND,
					"user-not-found");
		}

	}

	/** Who may do what: the token decides, and someone else's profile is not there at all. */
	@Nested
	class Access {

		@Test
		void withoutATokenNothingButTheProbesAnswers() {
			anonymous.get()
				.uri("/api/v1/users/1")
				.exchange()
				.expectStatus()
				.isUnauthorized()
				.expectHeader()
				.valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
				.expectHeader()
				.contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.expectBody()
				.jsonPath("$.type")
				.isEqualTo(Problems.TYPES + "unauthorized");
			anonymous.get().uri("/readyz").exchange().expectStatus().isOk();
		}

		@Test
		void tokensTheGatewayWouldRefuseAreRefusedHereToo() {
			UserResponse own = create(uniqueEmail(), "Mine");
			String valid = issuer.customer(subject);
			String[] parts = valid.split("\\.");
			String tampered = parts[0] + "." + parts[1].substring(0, parts[1].length() - 2) + "AA." + parts[2];
			for (String token : List.of(issuer.token((claims) -> claims.subject(subject).issuer("https://elsewhere.example")),
					issuer.token((claims) -> claims.subject(subject).audience(List.of("another-api"))),
					issuer.token((claims) -> claims.subject(subject)
						.issuedAt(java.time.Instant.now().minusSeconds(3600))
						.notBefore(java.time.Instant.now().minusSeconds(3600))
						.expiresAt(java.time.Instant.now().minusSeconds(120))),
					issuer.token((claims) -> claims.subject(subject).claims((all) -> all.remove("exp"))),
					issuer.token((claims) -> claims.claims((all) -> all.remove("sub"))),
					issuer.token((claims) -> claims.subject("s".repeat(256))), tampered, "not-a-jwt",
					// Unknown keys, one after another: the first fetches the keys again, the next ones are
					// throttled, and all are refused as invalid, none with a server error.
					issuer.signedWithAnUnpublishedKey(subject), issuer.signedWithAnUnpublishedKey(subject),
					issuer.signedWithAnUnpublishedKey(subject))) {
				as(token).get()
					.uri("/api/v1/users/{id}", own.id())
					.exchange()
					.expectStatus()
					.isUnauthorized()
					.expectHeader()
					.valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");
			}
		}

		/** order-service's own token (client credentials, {@code users:read}): it reads a profile by id, and no more. */
		@Test
		void aServicesReadScopeReadsAnyProfileByIdAndNothingElse() {
			UserResponse someones = create(uniqueEmail(), "Someone");
			RestTestClient service = as(issuer.token("order-service", List.of("users:read"), List.of()));

			UserResponse read = get(service, someones.id());
			assertThat(read.owner()).isEqualTo(subject);
			assertProblem(service.get().uri("/api/v1/users/{id}", Long.MAX_VALUE).exchange(), HttpStatus.NOT_FOUND,
					"user-not-found");
			assertProblem(service.get().uri("/api/v1/users").exchange(), HttpStatus.FORBIDDEN, "forbidden");
			assertProblem(service.post()
				.uri("/api/v1/users")
				.contentType(MediaType.APPLICATION_JSON)
				.body(new UserRequest(uniqueEmail(), "Service"))
				.exchange(), HttpStatus.FORBIDDEN, "forbidden");
			assertProblem(put(service, someones.id(), new UserUpdate(uniqueEmail(), "Changed", someones.version())),
					HttpStatus.FORBIDDEN, "forbidden");
			assertProblem(service.delete().uri("/api/v1/users/{id}", someones.id()).exchange(), HttpStatus.FORBIDDEN,
					"forbidden");
			assertThat(get(someones.id()).name()).isEqualTo("Someone");
		}

		@Test
		void aTokenWithoutTheUsersScopeIsForbiddenHereAsAtTheGateway() {
			UserResponse own = create(uniqueEmail(), "Mine");

			assertProblem(as(issuer.token(subject, List.of("openid", "orders"), List.of("customer"))).get()
				.uri("/api/v1/users/{id}", own.id())
				.exchange(), HttpStatus.FORBIDDEN, "forbidden").jsonPath("$.detail")
				.isEqualTo("The access token does not allow this request: it lacks the scope or role it needs.");
		}

		@Test
		void anotherCustomersProfileIsNotFoundToReadChangeOrDelete() {
			UserResponse theirs = create(uniqueEmail(), "Theirs");
			RestTestClient mallory = as(issuer.customer("mallory-" + UUID.randomUUID()));

			assertProblem(mallory.get().uri("/api/v1/users/{id}", theirs.id()).exchange(), HttpStatus.NOT_FOUND,
					"user-not-found");
			assertProblem(put(mallory, theirs.id(), new UserUpdate(uniqueEmail(), "Taken over", theirs.version())),
					HttpStatus.NOT_FOUND, "user-not-found");
			assertProblem(mallory.delete().uri("/api/v1/users/{id}", theirs.id()).exchange(), HttpStatus.NOT_FOUND,
					"user-not-found");
			assertThat(get(theirs.id())).isEqualTo(theirs);
		}

		@Test
		void onlyAdministratorsListEveryProfileAndReadAnyButTheyChangeNone() {
			UserResponse theirs = create(uniqueEmail(), "Listed");
			RestTestClient admin = as(issuer.administrator("admin"));

			assertProblem(http.get().uri("/api/v1/users").exchange(), HttpStatus.FORBIDDEN, "forbidden");
			admin.get().uri("/api/v1/users?size=1").exchange().expectStatus().isOk();
			admin.get().uri("/api/v1/users/{id}", theirs.id()).exchange().expectStatus().isOk();
			assertProblem(put(admin, theirs.id(), new UserUpdate(theirs.email(), "Renamed by admin", theirs.version())),
					HttpStatus.FORBIDDEN, "forbidden");
			assertProblem(admin.delete().uri("/api/v1/users/{id}", theirs.id()).exchange(), HttpStatus.FORBIDDEN,
					"forbidden");
			assertThat(get(theirs.id())).isEqualTo(theirs);
		}

		@Test
		void theRequestsSpanNamesTheCallerByTheTokensSubject() {
			UserResponse own = create(uniqueEmail(), "Traced");

			get(own.id());

			Awaitility.await().atMost(Duration.ofSeconds(30))
				.untilAsserted(() -> assertThat(observed).contains("/api/v1/users/" + own.id() + " " + subject));
		}

		@Test
		void theOwnerIsTheTokensSubjectWhateverTheBodySays() {
			UserResponse created = post("{\"email\":\"" + uniqueEmail()
					+ "\",\"name\":\"Sneaky\",\"owner\":\"admin\",\"id\":1,\"version\":7,\"roles\":[\"admin\"]}")
				.expectStatus()
				.isCreated()
				.expectBody(UserResponse.class)
				.returnResult()
				.getResponseBody();

			assertThat(created.owner()).isEqualTo(subject);
			assertThat(created.id()).isNotEqualTo(1L);
			assertThat(created.version()).isZero();
		}

	}

	/** auth-service makes a new account's profile at sign-up, with its own token, as many times as it has to. */
	@Nested
	class AccountProfiles {

		private final RestTestClient authService = as(issuer.token("auth-service", List.of("users:provision"), List.of()));

		@Test
		void aNewAccountsProfileIsMadeOnceHowEverOftenItIsAskedForAndIsTheAccountsOwn() {
			String account = "signed-up-" + UUID.randomUUID();
			String email = uniqueEmail();

			UserResponse made = provision(account, new UserRequest(email, "Grace Hopper")).expectStatus()
				.isCreated()
				.expectHeader()
				.value(HttpHeaders.LOCATION, (location) -> assertThat(location).matches("/api/v1/users/\\d+"))
				.expectBody(UserResponse.class)
				.returnResult()
				.getResponseBody();
			assertThat(made.owner()).isEqualTo(account);
			assertThat(made.email()).isEqualTo(email);
			// A retry of the same sign-up finds the same profile.
			assertThat(provision(account, new UserRequest(email.toUpperCase(), "Grace Hopper")).expectStatus()
				.isOk()
				.expectBody(UserResponse.class)
				.returnResult()
				.getResponseBody()).isEqualTo(made);
			// Another sign-up under the same name (an earlier account's, removed) is not handed this profile.
			assertProblem(provision(account, new UserRequest(uniqueEmail(), "Someone else")), HttpStatus.CONFLICT,
					"profile-exists");
			RestTestClient owner = as(issuer.customer(account));
			assertThat(owner.get()
				.uri("/api/v1/users/me")
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody(UserResponse.class)
				.returnResult()
				.getResponseBody()).as("the account's own profile, for a client that was told 202").isEqualTo(made);
		}

		@Test
		void anAccountWithoutASignUpProfileHasNoneOfItsOwn() {
			create(uniqueEmail(), "Made with POST");

			assertProblem(http.get().uri("/api/v1/users/me").exchange(), HttpStatus.NOT_FOUND, "user-not-found");
		}

		@Test
		void concurrentCallsForOneAccountMakeOneProfile() throws Exception {
			String account = "signed-up-" + UUID.randomUUID();
			UserRequest request = new UserRequest(uniqueEmail(), "Raced");
			CyclicBarrier start = new CyclicBarrier(4);
			List<CompletableFuture<UserResponse>> calls = new ArrayList<>();
			for (int i = 0; i < 4; i++) {
				calls.add(CompletableFuture.supplyAsync(() -> {
					UserApiIT.await(start);
					return provision(account, request).expectStatus()
						.is2xxSuccessful()
						.expectBody(UserResponse.class)
						.returnResult()
						.getResponseBody();
				}));
			}
			List<Long> ids = calls.stream().map(CompletableFuture::join).map(UserResponse::id).distinct().toList();
			assertThat(ids).hasSize(1);
		}

		@Test
		void anEmailAnotherProfileHasIsAConflict() {
			String taken = create(uniqueEmail(), "First").email();

			assertProblem(provision("signed-up-" + UUID.randomUUID(), new UserRequest(taken.toUpperCase(), "Second")),
					HttpStatus.CONFLICT, "duplicate-email");
		}

		@Test
		void onlyAuthServicesScopeMakesAProfileAndBadInputIsAProblem() {
			String account = "signed-up-" + UUID.randomUUID();
			UserRequest request = new UserRequest(uniqueEmail(), "Nobody");
			for (RestTestClient caller : List.of(http, as(issuer.administrator("admin")),
					as(issuer.token("order-service", List.of("users:read"), List.of())))) {
				assertProblem(caller.put()
					.uri("/internal/v1/profiles/{subject}", account)
					.contentType(MediaType.APPLICATION_JSON)
					.body(request)
					.exchange(), HttpStatus.FORBIDDEN, "forbidden");
			}
			anonymous.put()
				.uri("/internal/v1/profiles/{subject}", account)
				.contentType(MediaType.APPLICATION_JSON)
				.body(request)
				.exchange()
				.expectStatus()
				.isUnauthorized();
			assertProblem(provision(account, new UserRequest("not-an-email", "")), HttpStatus.BAD_REQUEST,
					"validation");
			assertProblem(provision("s".repeat(256), request), HttpStatus.BAD_REQUEST, "validation");
		}

		private RestTestClient.ResponseSpec provision(String account, UserRequest request) {
			return this.authService.put()
				.uri("/internal/v1/profiles/{subject}", account)
				.contentType(MediaType.APPLICATION_JSON)
				.body(request)
				.exchange();
		}

	}

	private UserResponse create(String email, String name) {
		return this.http.post()
			.uri("/api/v1/users")
			.contentType(MediaType.APPLICATION_JSON)
			.body(new UserRequest(email, name))
			.exchange()
			.expectStatus()
			.isCreated()
			.expectBody(UserResponse.class)
			.returnResult()
			.getResponseBody();
	}

	private UserResponse get(long id) {
		return get(this.http, id);
	}

	private static UserResponse get(RestTestClient client, long id) {
		return client.get()
			.uri("/api/v1/users/{id}", id)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(UserResponse.class)
			.returnResult()
			.getResponseBody();
	}

	private RestTestClient.ResponseSpec post(String json) {
		return this.http.post().uri("/api/v1/users").contentType(MediaType.APPLICATION_JSON).body(json).exchange();
	}

	private RestTestClient.ResponseSpec put(long id, UserUpdate update) {
		return put(this.http, id, update);
	}

	private static RestTestClient.ResponseSpec put(RestTestClient client, long id, UserUpdate update) {
		return client.put().uri("/api/v1/users/{id}", id).contentType(MediaType.APPLICATION_JSON).body(update).exchange();
	}


	@TestConfiguration(proxyBeanMethods = false)
	static class Spans {

		@Bean
		ObservationHandler<ServerRequestObservationContext> requestsAsTheyEnd() {
			return new ObservationHandler<>() {

				@Override
				public void onStop(ServerRequestObservationContext context) {
					KeyValue caller = context.getHighCardinalityKeyValue("enduser.id");
					observed.add(context.getCarrier().getRequestURI() + " " + ((caller != null) ? caller.getValue() : "-"));
				}

				@Override
				public boolean supportsContext(Observation.Context context) {
					return context instanceof ServerRequestObservationContext;
				}

			};
		}

	}

	private static String uniqueEmail() {
		return "user-" + UUID.randomUUID() + "@example.com";
	}

	private static void await(CyclicBarrier barrier) {
		try {
			barrier.await();
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** The API's description, held to the controllers and to the snapshot in api/ (ApiDescription). */
	@Nested
	class Description {

		@Autowired
		private RequestMappingHandlerMapping handlers;

		@Test
		void describesEveryEndpointOfThePublicApiAndNoOther() {
			ApiDescription.of(anonymous).assertDescribesEveryEndpointOf(this.handlers);
		}

		@Test
		void statesTheValidationTheControllersApply() {
			ApiDescription.of(anonymous).assertValidationAgreesWith(as(issuer.administrator("admin")));
		}

		@Test
		void isTheContractCheckedIn() {
			ApiDescription.of(anonymous).assertMatchesSnapshot("user-service");
		}

	}

}
