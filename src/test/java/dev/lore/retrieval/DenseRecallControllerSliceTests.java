package dev.lore.retrieval;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

import dev.lore.web.WebSlice;

/** {@code POST .../dense-search/recall} as the web layer reads it: no body means defaults; wrong shapes are 400s. */
@WebSlice(DenseRecallController.class)
class DenseRecallControllerSliceTests {

    private static final String PATH = "/api/v1/collections/docs/dense-search/recall";

    @Autowired
    private MockMvc mvc;

    @MockitoBean
    private DenseRecall recall;

    @Test
    void noBodyMeasuresWithTheDefaultsAndABodyIsPassedOn() throws Exception {
        mvc.perform(post(PATH)).andExpect(status().isOk());
        verify(recall).measure(eq("docs"), isNull(), isNull(), isNull(), isNull(), isNull());

        mvc.perform(post(PATH).contentType(MediaType.APPLICATION_JSON)
                .content("{\"mode\":\"binary\",\"candidates\":[40,80],\"queries\":5,\"topK\":3,\"target\":0.9}"))
                .andExpect(status().isOk());
        verify(recall).measure("docs", "binary", List.of(40, 80), 5, 3, 0.9);
    }

    @Test
    void wrongShapesAndUnknownFieldsAre400sThatNeverMeasure() throws Exception {
        refused("{\"candidates\":\"many\"}", "'candidates'");
        refused("{\"queries\":\"all\"}", "'queries'");
        refused("{\"sample\":20}", "Unknown field 'sample'");
        verify(recall, never()).measure(anyString(), any(), any(), any(), any(), any());
    }

    private void refused(String body, String detail) throws Exception {
        mvc.perform(post(PATH).contentType(MediaType.APPLICATION_JSON).content(body))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString(detail)));
    }
}
