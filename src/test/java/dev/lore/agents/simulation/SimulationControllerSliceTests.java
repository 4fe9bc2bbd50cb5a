package dev.lore.agents.simulation;

import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

import dev.lore.agents.Agents;
import dev.lore.agents.AgentsAccess;
import dev.lore.agents.ModelUse;
import dev.lore.agents.Simulations;
import dev.lore.agents.memory.MemoryReembedding;
import dev.lore.agents.memory.MemoryStream;
import dev.lore.agents.memory.Weights;
import dev.lore.web.LoreException;
import dev.lore.web.WebSlice;

/** {@code POST .../step} as the web layer reads it: the steps the stepper is asked for, or a problem before it. */
@WebSlice(SimulationController.class)
@EnableConfigurationProperties(SimulationProperties.class)
class SimulationControllerSliceTests {

    private static final UUID ID = UUID.randomUUID();

    @Autowired
    private MockMvc mvc;

    @MockitoBean
    private AgentsAccess access;

    @MockitoBean
    private Simulations simulations;

    @MockitoBean
    private Agents agents;

    @MockitoBean
    private MemoryStream memories;

    @MockitoBean
    private SimulationSchedules schedules;

    @MockitoBean
    private SimulationReports reports;

    @MockitoBean
    private Stepper stepper;

    @MockitoBean
    private MemoryReembedding reembedding;

    @BeforeEach
    void simulation() {
        LocalDateTime start = LocalDateTime.parse("2026-02-13T08:00:00");
        when(access.simulation(ID.toString())).thenReturn(new Simulations.Simulation(ID, "town", start, start, 10, 0,
                null, "paused", Weights.EQUAL, Instant.now()));
    }

    @Test
    void stepsDefaultToOneAndAreHandedToTheStepper() throws Exception {
        when(stepper.step(ID, 1)).thenReturn(new Stepper.Run(LocalDateTime.parse("2026-02-13T08:10:00"), 1, 1,
                List.of(), new ModelUse.Usage(0, 0, 0)));

        mvc.perform(post("/api/v1/simulations/" + ID + "/step")).andExpect(status().isOk())
                .andExpect(jsonPath("$.clock").value("2026-02-13T08:10:00")).andExpect(jsonPath("$.stepsRun").value(1));
        verify(stepper).step(ID, 1);
    }

    @Test
    void outOfRangeOrMistypedStepsNeverReachTheStepper() throws Exception {
        for (String body : List.of("{\"steps\":0}", "{\"steps\":145}", "{\"steps\":\"two\"}", "{\"stepz\":2}")) {
            mvc.perform(post("/api/v1/simulations/" + ID + "/step").contentType(MediaType.APPLICATION_JSON)
                    .content(body)).andExpect(status().isBadRequest());
        }
        verify(stepper, never()).step(eq(ID), anyInt());
    }

    @Test
    void aSimulationAlreadySteppingIsAConflict() throws Exception {
        when(stepper.step(ID, 2)).thenThrow(LoreException.conflict("simulation-stepping", "Simulation is stepping",
                "The simulation is already stepping"));

        mvc.perform(post("/api/v1/simulations/" + ID + "/step").contentType(MediaType.APPLICATION_JSON)
                .content("{\"steps\":2}")).andExpect(status().isConflict())
                .andExpect(jsonPath("$.type").value(org.hamcrest.Matchers.endsWith("simulation-stepping")));
    }
}
