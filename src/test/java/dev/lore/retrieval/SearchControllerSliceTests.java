package dev.lore.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

import dev.lore.retrieval.hyde.HydeQueryEmbedder;
import dev.lore.retrieval.rerank.RerankProperties;
import dev.lore.web.WebSlice;

/** {@code POST /api/v1/search} as the web layer reads it: the request the retriever gets, or a 400 before it. */
@WebSlice(SearchController.class)
@EnableConfigurationProperties({RetrievalProperties.class, RerankProperties.class})
class SearchControllerSliceTests {

    private static final HydeSettings DEFAULTS = new HydeSettings(4, true, null);

    @Autowired
    private MockMvc mvc;

    @MockitoBean
    private Retriever retriever;

    @MockitoBean
    private HydeQueryEmbedder hyde;

    @BeforeEach
    void answer() {
        when(hyde.defaults()).thenReturn(DEFAULTS);
        when(retriever.search(any())).thenReturn(new SearchResult(List.of(), Map.of(), null, null));
    }

    @Test
    void hydeTakesTrueOrSettingsAndFiltersTakeOneValueOrAList() throws Exception {
        UUID document = UUID.randomUUID();
        SearchRequest request = search("""
                {"collection":"docs","query":"leave","hyde":{"documents":2,"includeQuery":false},
                 "filter":{"source":"leave.md","documentId":["%s"],"metadata":{"team":"ops"}}}""".formatted(document));
        assertThat(request.hyde()).isEqualTo(new HydeSettings(2, false, null));
        assertThat(request.filter()).isEqualTo(new SearchFilter(List.of("leave.md"), List.of(document),
                Map.of("team", "ops")));

        assertThat(search("{\"collection\":\"docs\",\"query\":\"leave\",\"hyde\":true}").hyde()).isEqualTo(DEFAULTS);
        assertThat(search("{\"collection\":\"docs\",\"query\":\"leave\",\"hyde\":false}").hyde()).isNull();
        SearchRequest plain = search("{\"collection\":\"docs\",\"query\":\"leave\"}");
        assertThat(plain.hyde()).isNull();
        assertThat(plain.filter()).isEqualTo(SearchFilter.NONE);
    }

    @Test
    void wrongShapesAndUnknownFieldsAre400sThatNeverReachTheRetriever() throws Exception {
        refused("{\"query\":\"x\",\"colour\":\"red\"}", "Unknown field 'colour'");
        refused("{\"query\":\"x\",\"hyde\":{\"passages\":2}}", "Unknown field 'hyde.passages'");
        refused("{\"query\":\"x\",\"hyde\":\"yes\"}", "'hyde'");
        refused("{\"query\":\"x\",\"filter\":{\"sources\":\"a.md\"}}", "Unknown field 'filter.sources'");
        refused("{\"query\":\"x\",\"filter\":{\"documentId\":\"nope\"}}", "'filter.documentId");
        refused("{\"query\":\"x\",\"filter\":{\"metadata\":{\"team\":null}}}", "filter.metadata.team is null");
        refused("{\"query\":\"x\",\"hyde\":{\"documents\":40}}", "hyde.documents must be between 1 and 16");
        verify(retriever, never()).search(any());
    }

    private SearchRequest search(String body) throws Exception {
        mvc.perform(post("/api/v1/search").contentType(MediaType.APPLICATION_JSON).content(body))
                .andExpect(status().isOk());
        ArgumentCaptor<SearchRequest> captor = ArgumentCaptor.forClass(SearchRequest.class);
        verify(retriever, org.mockito.Mockito.atLeastOnce()).search(captor.capture());
        return captor.getValue();
    }

    private void refused(String body, String detail) throws Exception {
        mvc.perform(post("/api/v1/search").contentType(MediaType.APPLICATION_JSON).content(body))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString(detail)));
    }
}
