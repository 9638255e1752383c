package io.tollgate.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class QueryStringTest {

    @Test
    void theFirstValueOfTheNamedParameter() {
        assertThat(QueryString.first("a=1&key=x&key=y", "key")).isEqualTo("x");
        assertThat(QueryString.first("key=x", "key")).isEqualTo("x");
        assertThat(QueryString.first("a=1&b=2", "key")).isNull();
        assertThat(QueryString.first("keys=x&akey=y", "key")).isNull();
        assertThat(QueryString.first(null, "key")).isNull();
        assertThat(QueryString.first("", "key")).isNull();
    }

    @Test
    void aNameWithoutValueOrAnEmptyValueIsEmpty() {
        assertThat(QueryString.first("key", "key")).isEmpty();
        assertThat(QueryString.first("key=&a=1", "key")).isEmpty();
        assertThat(QueryString.first("&&key=v&", "key")).isEqualTo("v");
        assertThat(QueryString.first("a=1&", "a")).isEqualTo("1");
    }

    @Test
    void namesAndValuesAreDecodedAsFormsEncodeThem() {
        assertThat(QueryString.first("api%5Fkey=a%2Db+c", "api_key")).isEqualTo("a-b c");
        assertThat(QueryString.first("k=%E2%82%AC", "k")).isEqualTo("\u20ac");
        assertThat(QueryString.first("k=a=b", "k")).isEqualTo("a=b");
        // a malformed escape stays as sent
        assertThat(QueryString.first("k=%zz", "k")).isEqualTo("%zz");
        // names are case-sensitive
        assertThat(QueryString.first("Key=x", "key")).isNull();
    }
}
