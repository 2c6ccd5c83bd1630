package dev.keel.platform.web;

import java.util.List;

import org.springframework.data.domain.Page;

/**
 * A page of results as the API returns it: a stable JSON shape, independent of Spring Data's {@link Page}.
 */
public record PageResponse<T>(List<T> content, int page, int size, long totalElements, int totalPages) {

	public static <T> PageResponse<T> of(Page<T> page) {
		return new PageResponse<>(page.getContent(), page.getNumber(), page.getSize(), page.getTotalElements(),
				page.getTotalPages());
	}

}
