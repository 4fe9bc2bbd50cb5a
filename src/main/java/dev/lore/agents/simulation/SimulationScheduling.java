package dev.lore.agents.simulation;

import java.util.Optional;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import com.github.kagkarlsson.scheduler.SchedulerName;
import com.github.kagkarlsson.scheduler.boot.autoconfigure.Jackson3Serializer;
import com.github.kagkarlsson.scheduler.boot.config.DbSchedulerCustomizer;
import com.github.kagkarlsson.scheduler.serializer.Serializer;
import com.github.kagkarlsson.scheduler.task.Task;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.github.kagkarlsson.scheduler.task.schedule.FixedDelay;

/**
 * The simulation tick as a db-scheduler task, and the scheduler's settings that are Lore's to make: task data as
 * JSON (readable in the table, no Java serialization) and this instance's name, as in the step rows.
 */
@Configuration(proxyBeanMethods = false)
class SimulationScheduling {

    @Bean
    Task<SimulationSchedules.Tick> simulationTick(Stepper stepper, SimulationSchedules schedules) {
        return Tasks.custom(SimulationSchedules.TICKS)
                // a tick that throws past the stepper (the database away, say) comes back in a few seconds
                .onFailureReschedule(FixedDelay.ofSeconds(5))
                .onDeadExecutionRevive()
                .execute((instance, context) -> schedules.tick(stepper, instance, context));
    }

    @Bean
    DbSchedulerCustomizer simulationSchedulerCustomizer(SimulationProperties properties) {
        String name = properties.instanceName();
        return new DbSchedulerCustomizer() {
            @Override
            public Optional<SchedulerName> schedulerName() {
                return Optional.of(new SchedulerName.Fixed(name));
            }

            @Override
            public Optional<Serializer> serializer() {
                return Optional.of(new Jackson3Serializer());
            }
        };
    }
}
