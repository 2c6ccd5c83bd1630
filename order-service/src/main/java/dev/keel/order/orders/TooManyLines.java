package dev.keel.order.orders;

import org.springframework.http.HttpStatus;

import dev.keel.platform.problem.ApiProblem;

class TooManyLines extends ApiProblem {

	TooManyLines(int lines, int limit) {
		super(HttpStatus.UNPROCESSABLE_CONTENT, "too-many-lines", "Too many lines",
				"An order may have at most %d lines (orders.max-lines-per-order); this one has %d."
					.formatted(limit, lines));
		property("limit", limit);
	}

}
