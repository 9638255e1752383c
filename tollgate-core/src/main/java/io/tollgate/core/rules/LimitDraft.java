package io.tollgate.core.rules;

import java.math.BigDecimal;

/**
 * The raw fields of one limit of a {@link RuleDraft}; {@code null} means the field was not given. Checked only by
 * {@link RuleDraft#validate()}.
 *
 * @param capacity    burst size in whole tokens
 * @param refillRate  tokens added per period
 * @param period      {@code second}, {@code minute}, {@code hour} or {@code day} (any case); {@code null} means second
 */
public record LimitDraft(Long capacity, BigDecimal refillRate, String period) {
}
