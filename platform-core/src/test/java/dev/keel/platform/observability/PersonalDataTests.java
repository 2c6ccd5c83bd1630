package dev.keel.platform.observability;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PersonalDataTests {

	@Test
	void masksEmailAddressesWhereverTheyAre() {
		assertThat(PersonalData.mask("Created user ada.lovelace+test@example.co.uk (id 7)"))
			.isEqualTo("Created user a***@example.co.uk (id 7)");
		assertThat(PersonalData.mask("{\"email\":\"grace@navy.mil\"}")).isEqualTo("{\"email\":\"g***@navy.mil\"}");
	}

	@Test
	void leavesEverythingElseAlone() {
		assertThat(PersonalData.mask("GET /api/v1/users/7 -> 200 in 3 ms")).isEqualTo("GET /api/v1/users/7 -> 200 in 3 ms");
		assertThat(PersonalData.mask("user@localhost")).isEqualTo("user@localhost");
		assertThat(PersonalData.mask(null)).isNull();
	}

	@Test
	void requestIdsAreShortAndPlain() {
		assertThat(Correlation.isValidRequestId("4f1c2a9e-0d7b-4c41-9a38-5b2f0e3c8d11")).isTrue();
		assertThat(Correlation.isValidRequestId("order:42.retry_1")).isTrue();
		assertThat(Correlation.isValidRequestId("")).isFalse();
		assertThat(Correlation.isValidRequestId("x".repeat(65))).isFalse();
		assertThat(Correlation.isValidRequestId("evil\r\nX-Admin: true")).isFalse();
		assertThat(Correlation.isValidRequestId("<script>")).isFalse();
	}

}
