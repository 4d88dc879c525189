<AutoPilot:project xmlns:AutoPilot="com.autoesl.autopilot.project" projectType="C/C++" name="qmlp_i8_prj" top="qmlp_hls_matmul_i8">
    <!-- qmlp test fixture, written by hand in the format of a Vitis HLS project file (see ../README.md) -->
    <includePaths/>
    <libraryFlag/>
    <files>
        <file name="../../../cores/hls/src/csim_main.cpp" sc="0" tb="1" cflags=" -DROWS=4 -DINNER=8 -DCOLS=4 -DLANES=2 -DACC_W=16 -DSHIFT=0 -I../../../cores/hls/src -DQMLP_KERNEL_I8 -std=c++14 -ffp-contract=off -Wno-unknown-pragmas" csimflags=" -Wno-unknown-pragmas" blackbox="false"/>
        <file name="../../../cores/hls/src/qmlp_hls.h" sc="0" tb="false" cflags="-DROWS=4 -DINNER=8 -DCOLS=4 -DLANES=2 -DACC_W=16 -DSHIFT=0 -I../../../cores/hls/src" csimflags="" blackbox="false"/>
        <file name="../../../cores/hls/src/matmul_i8.cpp" sc="0" tb="false" cflags="-DROWS=4 -DINNER=8 -DCOLS=4 -DLANES=2 -DACC_W=16 -DSHIFT=0 -I../../../cores/hls/src" csimflags="" blackbox="false"/>
    </files>
    <solutions>
        <solution name="solution1" status="active"/>
    </solutions>
    <Simulation argv="">
        <SimFlow name="csim" setup="false" optimizeCompile="false" clean="false" ldflags="" mflags=""/>
    </Simulation>
</AutoPilot:project>
